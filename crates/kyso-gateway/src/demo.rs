//! `kyso serve --demo`: a demo province with departments, three leaders, a
//! clerk, an administrator, an integrator key, and realistic Vietnamese
//! drafts pending across the leaders (generated PDFs with proper layout).

use kyso_api::{DraftMetadata, NewUnit, NewUser, Placement, Role, Urgency};
use kyso_pdf::sample::{AnnexPage, Letter, letter_pdf, letter_with_annex};
use sqlx::Row;

use crate::admin;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What the demo prints for the person trying it.
#[derive(Debug)]
pub struct DemoInfo {
    /// Whether this start created the province (false: it existed).
    pub created: bool,
    /// A fresh integrator key (a new one each start: keys are shown once).
    pub integrator_key: String,
    /// Its webhook secret.
    pub webhook_secret: String,
    /// Logins.
    pub users: Vec<(String, String, Role)>,
}

struct Draft {
    doc_type: &'static str,
    kind: &'static str,
    symbol: &'static str,
    summary: &'static str,
    body: &'static [&'static str],
    signer: &'static str,
    urgency: Urgency,
}

const DRAFTS: &[Draft] = &[
    Draft {
        doc_type: "QUYẾT ĐỊNH",
        kind: "quyết định",
        symbol: "QĐ-UBND",
        summary: "Về việc phê duyệt Kế hoạch chuyển đổi số tỉnh năm 2026",
        body: &[
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng 11 năm 2019;",
            "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
            "Xét đề nghị của Giám đốc Sở Thông tin và Truyền thông.",
            "Điều 1. Phê duyệt Kế hoạch chuyển đổi số tỉnh năm 2026 kèm theo Quyết định này.",
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
        ],
        signer: "leader1",
        urgency: Urgency::Urgent,
    },
    Draft {
        doc_type: "",
        kind: "công văn",
        symbol: "UBND-KGVX",
        summary: "V/v triển khai sử dụng chữ ký số trên thiết bị di động",
        body: &[
            "Thực hiện Luật Giao dịch điện tử năm 2023, Ủy ban nhân dân tỉnh đề nghị các sở, ban, ngành cấp tỉnh và Ủy ban nhân dân các huyện, thành phố triển khai ký số văn bản trên thiết bị di động cho lãnh đạo các cấp.",
            "Đề nghị các cơ quan, đơn vị báo cáo kết quả thực hiện trước ngày 30 tháng 6 năm 2026.",
        ],
        signer: "leader1",
        urgency: Urgency::Normal,
    },
    Draft {
        doc_type: "TỜ TRÌNH",
        kind: "tờ trình",
        symbol: "TTr-STTTT",
        summary: "Về việc đề nghị phê duyệt dự án nâng cấp hệ thống quản lý văn bản và điều hành",
        body: &[
            "Sở Thông tin và Truyền thông kính trình Ủy ban nhân dân tỉnh xem xét, phê duyệt dự án nâng cấp hệ thống quản lý văn bản và điều hành giai đoạn 2026 - 2027.",
            "Tổng mức đầu tư dự kiến từ nguồn ngân sách tỉnh theo kế hoạch đầu tư công trung hạn.",
        ],
        signer: "leader3",
        urgency: Urgency::VeryUrgent,
    },
    Draft {
        doc_type: "GIẤY MỜI",
        kind: "giấy mời",
        symbol: "GM-UBND",
        summary: "Họp giao ban chuyển đổi số quý II năm 2026",
        body: &[
            "Ủy ban nhân dân tỉnh trân trọng kính mời lãnh đạo các sở, ban, ngành dự họp giao ban chuyển đổi số quý II năm 2026.",
            "Thời gian: 08 giờ 00 phút, thứ Hai, ngày 06 tháng 4 năm 2026. Địa điểm: Phòng họp số 1, Ủy ban nhân dân tỉnh.",
        ],
        signer: "leader2",
        urgency: Urgency::Flash,
    },
    Draft {
        doc_type: "QUYẾT ĐỊNH",
        kind: "quyết định",
        symbol: "QĐ-UBND",
        summary: "Về việc thành lập Tổ công tác triển khai Đề án 06 của tỉnh",
        body: &[
            "Căn cứ Quyết định số 06/QĐ-TTg ngày 06 tháng 01 năm 2022 của Thủ tướng Chính phủ;",
            "Điều 1. Thành lập Tổ công tác triển khai Đề án 06 của tỉnh gồm các thành viên có tên tại danh sách kèm theo.",
            "Điều 2. Tổ công tác có nhiệm vụ giúp Ủy ban nhân dân tỉnh chỉ đạo, đôn đốc việc triển khai Đề án.",
        ],
        signer: "leader2",
        urgency: Urgency::Normal,
    },
    Draft {
        doc_type: "KẾ HOẠCH",
        kind: "kế hoạch",
        symbol: "KH-UBND",
        summary: "Tuyên truyền về chữ ký số và giao dịch điện tử năm 2026",
        body: &[
            "Nhằm nâng cao nhận thức của cán bộ, công chức và người dân về chữ ký số, Ủy ban nhân dân tỉnh ban hành Kế hoạch tuyên truyền năm 2026.",
            "Các cơ quan, đơn vị căn cứ Kế hoạch này xây dựng nội dung tuyên truyền phù hợp.",
        ],
        signer: "leader1",
        urgency: Urgency::Normal,
    },
    Draft {
        doc_type: "",
        kind: "công văn",
        symbol: "STC-NS",
        summary: "V/v bổ sung kinh phí thực hiện nhiệm vụ chuyển đổi số",
        body: &[
            "Sở Tài chính đề nghị Ủy ban nhân dân tỉnh xem xét bổ sung kinh phí thực hiện nhiệm vụ chuyển đổi số năm 2026 cho các đơn vị theo đề xuất kèm theo.",
        ],
        signer: "leader3",
        urgency: Urgency::Urgent,
    },
    Draft {
        doc_type: "THÔNG BÁO",
        kind: "thông báo",
        symbol: "TB-UBND",
        summary: "Kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại buổi làm việc với Sở Nội vụ",
        body: &[
            "Ngày 10 tháng 3 năm 2026, Chủ tịch Ủy ban nhân dân tỉnh đã làm việc với Sở Nội vụ về công tác văn thư, lưu trữ.",
            "Giao Sở Nội vụ hướng dẫn các cơ quan thực hiện lưu trữ hồ sơ điện tử theo quy định.",
        ],
        signer: "leader1",
        urgency: Urgency::Normal,
    },
];

/// Seeds the province on first start; prints a fresh integrator key each start.
pub async fn seed(state: &AppState, password: &str) -> AppResult<DemoInfo> {
    let db = &state.db;
    let exists = sqlx::query(&db.sql("SELECT id FROM users WHERE username = ?"))
        .bind("admin")
        .fetch_optional(db.pool())
        .await?
        .is_some();
    let users = [
        ("leader1", "Nguyễn Văn An", "Chủ tịch", Role::Leader, 0),
        ("leader2", "Trần Thị Bình", "Phó Chủ tịch", Role::Leader, 0),
        (
            "leader3",
            "Lê Minh Cường",
            "Giám đốc Sở Thông tin và Truyền thông",
            Role::Leader,
            2,
        ),
        // The province's clerk: issues (numbers and seals) what its leaders sign.
        ("clerk1", "Phạm Thu Dung", "Văn thư", Role::Clerk, 0),
        (
            "admin",
            "Quản trị hệ thống",
            "Quản trị viên",
            Role::Admin,
            1,
        ),
    ];
    if !exists {
        let province = admin::create_unit(
            state,
            "demo",
            &NewUnit {
                name: "Ủy ban nhân dân tỉnh Hà Giang".into(),
                parent_id: None,
            },
        )
        .await?;
        let mut units = vec![province.clone()];
        for name in [
            "Văn phòng Ủy ban nhân dân tỉnh",
            "Sở Thông tin và Truyền thông",
            "Sở Nội vụ",
            "Sở Tài chính",
        ] {
            units.push(
                admin::create_unit(
                    state,
                    "demo",
                    &NewUnit {
                        name: name.into(),
                        parent_id: Some(province.id.clone()),
                    },
                )
                .await?,
            );
        }
        for (username, full_name, title, role, unit) in users {
            admin::create_user(
                state,
                "demo",
                &NewUser {
                    username: username.into(),
                    full_name: full_name.into(),
                    title: title.into(),
                    role,
                    unit_id: units[unit].id.clone(),
                    password: password.into(),
                },
            )
            .await?;
        }
    }
    let key = admin::create_integrator_key(state, "demo", "QLVB&ĐH tỉnh Hà Giang (demo)").await?;
    if !exists {
        for (i, d) in DRAFTS.iter().enumerate() {
            let signer = users
                .iter()
                .find(|u| u.0 == d.signer)
                .ok_or_else(|| AppError::internal("demo signer"))?;
            let letter = letter_pdf(&Letter {
                parent_agency: "ỦY BAN NHÂN DÂN".into(),
                agency: "TỈNH HÀ GIANG".into(),
                number_symbol: format!("     /{}", d.symbol),
                place_date: format!("Hà Giang, ngày {} tháng 3 năm 2026", 10 + i),
                doc_type: d.doc_type.into(),
                summary: d.summary.into(),
                body: d.body.iter().map(|s| s.to_string()).collect(),
                signer_title: signer.2.to_uppercase(),
                signer_name: signer.1.into(),
                recipients: vec!["Như trên;".into(), "Lưu: VT.".into()],
            })
            .map_err(AppError::internal)?;
            let meta = DraftMetadata {
                title: d.summary.into(),
                number_symbol: None,
                document_type: d.kind.into(),
                urgency: d.urgency,
                deadline: None,
                signer: d.signer.into(),
                placement: Some(Placement {
                    page: 1,
                    rect: letter.signature_rect,
                }),
                external_id: Some(format!("DEMO-{:03}", i + 1)),
                callback_url: None,
            };
            let row = sqlx::query(&db.sql("SELECT id FROM integrator_keys WHERE name = ?"))
                .bind(&key.name)
                .fetch_one(db.pool())
                .await?;
            let integrator_id: String = row.try_get(0)?;
            crate::requests::create(state, Some(&integrator_id), "demo", &meta, &letter.pdf)
                .await?;
        }
    }
    Ok(DemoInfo {
        created: !exists,
        integrator_key: key.key,
        webhook_secret: key.webhook_secret,
        users: users
            .iter()
            .map(|u| (u.0.to_string(), u.1.to_string(), u.3))
            .collect(),
    })
}

/// The demo's meeting, made by [`seed_meeting`].
const MEETING_ID: &str = "DEMO-HOP-1";

/// A demo document of `pages` pages (the letter and annex pages).
fn meeting_document(
    doc_type: &str,
    symbol: &str,
    summary: &str,
    body: &[&str],
    annex: &[(&str, &[&str])],
) -> AppResult<Vec<u8>> {
    let letter = letter_with_annex(
        &Letter {
            parent_agency: "ỦY BAN NHÂN DÂN".into(),
            agency: "TỈNH HÀ GIANG".into(),
            number_symbol: format!("     /{symbol}"),
            place_date: "Hà Giang, ngày 02 tháng 3 năm 2026".into(),
            doc_type: doc_type.into(),
            summary: summary.into(),
            body: body.iter().map(|s| s.to_string()).collect(),
            signer_title: "CHỦ TỊCH".into(),
            signer_name: "Nguyễn Văn An".into(),
            recipients: vec!["Thành viên UBND tỉnh;".into(), "Lưu: VT.".into()],
        },
        &annex
            .iter()
            .map(|(h, ps)| AnnexPage {
                heading: h.to_string(),
                paragraphs: ps.iter().map(|p| p.to_string()).collect(),
            })
            .collect::<Vec<_>>(),
    )
    .map_err(AppError::internal)?;
    Ok(letter.pdf)
}

/// Seeds the demo's meeting once (`kyso serve --demo`): the People's
/// Committee's monthly meeting, today in Vietnam time, chaired by leader1
/// with leader2, leader3 and the clerk; three agenda items with documents
/// of several pages, and a conclusion for the chair to sign in the meeting
/// (a signing request from the demo's document system). `None` when it
/// exists already.
pub async fn seed_meeting(state: &AppState) -> AppResult<Option<kyso_api::Meeting>> {
    let db = &state.db;
    if sqlx::query(&db.sql("SELECT 1 FROM meetings WHERE external_id = ?"))
        .bind(MEETING_ID)
        .fetch_optional(db.pool())
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let integrator_id: String =
        sqlx::query(&db.sql("SELECT id FROM integrator_keys ORDER BY created_at LIMIT 1"))
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(|| AppError::internal("the demo has no integrator key"))?
            .try_get(0)?;
    let conclusion = meeting_document(
        "THÔNG BÁO",
        "TB-UBND",
        "Kết luận của Chủ tịch UBND tỉnh tại phiên họp thường kỳ tháng 3 năm 2026",
        &[
            "Ngày 02 tháng 3 năm 2026, Ủy ban nhân dân tỉnh tổ chức phiên họp thường kỳ tháng 3 năm 2026 dưới sự chủ trì của đồng chí Chủ tịch UBND tỉnh.",
            "1. Thống nhất thông qua Kế hoạch chuyển đổi số tỉnh năm 2026; giao Sở Thông tin và Truyền thông hoàn thiện, trình ban hành trước ngày 15 tháng 3 năm 2026.",
            "2. Giao Sở Tài chính cân đối, bố trí nguồn vốn thực hiện Kế hoạch.",
        ],
        &[],
    )?;
    let request = crate::requests::create(
        state,
        Some(&integrator_id),
        "demo",
        &DraftMetadata {
            title: "Thông báo kết luận phiên họp UBND tỉnh thường kỳ tháng 3 năm 2026".into(),
            number_symbol: None,
            document_type: "thông báo".into(),
            urgency: Urgency::Normal,
            deadline: None,
            signer: "leader1".into(),
            placement: None,
            external_id: Some("DEMO-HOP-1-KL".into()),
            callback_url: None,
        },
        &conclusion,
    )
    .await?;
    let plan = meeting_document(
        "TỜ TRÌNH",
        "TTr-STTTT",
        "Về việc ban hành Kế hoạch chuyển đổi số tỉnh năm 2026",
        &[
            "Thực hiện Nghị quyết của Tỉnh ủy về chuyển đổi số, Sở Thông tin và Truyền thông kính trình Ủy ban nhân dân tỉnh xem xét, ban hành Kế hoạch chuyển đổi số tỉnh năm 2026.",
            "Dự thảo Kế hoạch đã được lấy ý kiến các sở, ngành và Ủy ban nhân dân các huyện, thành phố; nội dung chính tại các phụ lục kèm theo.",
        ],
        &[
            (
                "PHỤ LỤC I. MỤC TIÊU NĂM 2026",
                &[
                    "100% văn bản trao đổi giữa các cơ quan nhà nước dưới dạng điện tử, được ký số, trừ văn bản mật.",
                    "90% hồ sơ công việc cấp tỉnh, 80% cấp huyện được xử lý trên môi trường mạng.",
                    "100% lãnh đạo các cấp được cấp chữ ký số và sử dụng ký số trên thiết bị di động.",
                ],
            ),
            (
                "PHỤ LỤC II. NHIỆM VỤ TRỌNG TÂM",
                &[
                    "Hoàn thiện nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh; kết nối với nền tảng quốc gia.",
                    "Triển khai phòng họp không giấy tại trụ sở UBND tỉnh và các sở, ngành.",
                    "Đào tạo kỹ năng số cho cán bộ, công chức, viên chức.",
                ],
            ),
            (
                "PHỤ LỤC III. KINH PHÍ THỰC HIỆN",
                &[
                    "Tổng kinh phí dự kiến: 48,5 tỷ đồng từ ngân sách tỉnh và các nguồn hợp pháp khác.",
                    "Sở Tài chính chủ trì thẩm định, cân đối nguồn vốn theo tiến độ thực hiện.",
                ],
            ),
        ],
    )?;
    let report = meeting_document(
        "BÁO CÁO",
        "BC-SKHĐT",
        "Tình hình kinh tế - xã hội tháng 02 năm 2026",
        &[
            "Tốc độ tăng trưởng kinh tế hai tháng đầu năm ước đạt 6,8%; thu ngân sách nhà nước trên địa bàn đạt 18,2% dự toán.",
            "Các hoạt động văn hóa, du lịch dịp Tết Nguyên đán diễn ra an toàn; lượng khách du lịch tăng 12% so với cùng kỳ.",
        ],
        &[(
            "PHỤ LỤC. SỐ LIỆU CHỦ YẾU",
            &[
                "Giá trị sản xuất công nghiệp: tăng 7,1%.",
                "Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ: tăng 9,4%.",
                "Giải ngân vốn đầu tư công: đạt 11,3% kế hoạch.",
            ],
        )],
    )?;
    let rules = meeting_document(
        "QUYẾT ĐỊNH",
        "QĐ-UBND",
        "Ban hành Quy chế làm việc của Ủy ban nhân dân tỉnh nhiệm kỳ 2021 - 2026 (sửa đổi)",
        &[
            "Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc của Ủy ban nhân dân tỉnh.",
            "Điều 2. Quyết định có hiệu lực kể từ ngày ký.",
        ],
        &[(
            "QUY CHẾ LÀM VIỆC (TRÍCH)",
            &[
                "Điều 15. Phiên họp Ủy ban nhân dân tỉnh được tổ chức theo hình thức trực tiếp hoặc trực tuyến; tài liệu phiên họp được gửi trên hệ thống phòng họp không giấy.",
                "Điều 16. Thành viên Ủy ban nhân dân tỉnh cho ý kiến vào từng nội dung; ý kiến được tổng hợp làm cơ sở kết luận.",
            ],
        )],
    )?;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(7, 0, 0).map_err(AppError::internal)?)
        .date();
    let at = |h: u8, m: u8| format!("{today}T{h:02}:{m:02}:00+07:00");
    let meta = kyso_api::NewMeeting {
        title: "Phiên họp UBND tỉnh thường kỳ tháng 3 năm 2026".into(),
        starts_at: at(8, 0),
        ends_at: at(17, 30),
        place: "Phòng họp số 1, trụ sở UBND tỉnh".into(),
        chair: "leader1".into(),
        participants: vec!["leader2".into(), "leader3".into(), "clerk1".into()],
        agenda: vec![
            kyso_api::NewAgendaItem {
                title: "Kế hoạch chuyển đổi số tỉnh năm 2026".into(),
                documents: vec![kyso_api::NewMeetingDocument {
                    title: "Tờ trình và dự thảo Kế hoạch".into(),
                    file: 0,
                }],
                draft_conclusion: Some(
                    "Thống nhất thông qua Kế hoạch; giao Sở Thông tin và Truyền thông hoàn thiện, trình ban hành."
                        .into(),
                ),
                conclusion_request: Some(request.id),
            },
            kyso_api::NewAgendaItem {
                title: "Tình hình kinh tế - xã hội tháng 02".into(),
                documents: vec![kyso_api::NewMeetingDocument {
                    title: "Báo cáo tình hình kinh tế - xã hội".into(),
                    file: 1,
                }],
                draft_conclusion: None,
                conclusion_request: None,
            },
            kyso_api::NewAgendaItem {
                title: "Quy chế làm việc (sửa đổi)".into(),
                documents: vec![kyso_api::NewMeetingDocument {
                    title: "Dự thảo Quyết định ban hành Quy chế".into(),
                    file: 2,
                }],
                draft_conclusion: None,
                conclusion_request: None,
            },
        ],
        external_id: Some(MEETING_ID.into()),
    };
    let m = crate::meetings::create(
        state,
        &crate::meetings::Creator::Integrator(integrator_id),
        "demo",
        &meta,
        &[plan, report, rules],
    )
    .await?;
    Ok(Some(m))
}
