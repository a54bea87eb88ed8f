//! A leader's quiet hours (`GET`/`PUT /device/quiet-hours`): a daily
//! window in Vietnam's local time (UTC+07:00, no daylight saving) during
//! which pushes about requests marked thường or khẩn wait until the window
//! ends. Thượng khẩn and hỏa tốc are never held. Server-Sent Events are
//! not affected.
//!
//! A push is held when it is queued inside the window (its first attempt
//! is the window's end) and again if it comes due inside one (the leader
//! set quiet hours meanwhile, or a retry fell into them). Changing the
//! quiet hours releases held pushes, which are then judged by the new ones.

use kyso_api::{QuietHours, Urgency};
use sqlx::{Any, Row, Transaction};
use time::{OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Vietnam's time zone (Asia/Ho_Chi_Minh): UTC+07:00 all year.
pub const VIETNAM: UtcOffset = time::macros::offset!(+7);

/// Minutes in a day.
const DAY_MINUTES: u16 = 24 * 60;

/// Quiet hours as minutes after local midnight: `start` inclusive, `end`
/// exclusive; `start > end` wraps midnight. Never empty (`start != end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    start: u16,
    end: u16,
}

impl Window {
    /// The window from `start` to `end` (minutes after local midnight);
    /// `None` unless both are below 1440 and differ.
    pub fn new(start: u16, end: u16) -> Option<Self> {
        (start < DAY_MINUTES && end < DAY_MINUTES && start != end).then_some(Self { start, end })
    }

    /// When `t` falls inside the window: the instant it ends. Outside: `None`.
    pub fn end_if_inside(&self, t: OffsetDateTime) -> Option<OffsetDateTime> {
        let local = t.to_offset(VIETNAM);
        let (h, m, s) = local.time().as_hms();
        let secs = u32::from(h) * 3600 + u32::from(m) * 60 + u32::from(s);
        let (start, end) = (u32::from(self.start) * 60, u32::from(self.end) * 60);
        let inside = if start < end {
            (start..end).contains(&secs)
        } else {
            secs >= start || secs < end
        };
        if !inside {
            return None;
        }
        // Before the end today, or (wrapping, after the start) tomorrow.
        let date = if secs < end {
            local.date()
        } else {
            local.date().next_day()?
        };
        let at = Time::from_hms((self.end / 60) as u8, (self.end % 60) as u8, 0).ok()?;
        Some(
            PrimitiveDateTime::new(date, at)
                .assume_offset(VIETNAM)
                .to_offset(UtcOffset::UTC),
        )
    }

    /// As the API shows it.
    pub fn to_wire(self) -> QuietHours {
        QuietHours::from_minutes(self.start, self.end)
    }
}

/// Whether a push of this urgency comes even during quiet hours: thượng
/// khẩn (very urgent) and hỏa tốc (flash) do.
pub fn bypasses(urgency: Urgency) -> bool {
    matches!(urgency, Urgency::VeryUrgent | Urgency::Flash)
}

/// When a push of `urgency` to `user_id`'s devices, due at `now`, may be
/// sent: `now`, or the end of the user's quiet hours when `now` is inside
/// them; and whether it is held.
pub async fn release_time(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    user_id: &str,
    urgency: Urgency,
    now: OffsetDateTime,
) -> Result<(OffsetDateTime, bool), sqlx::Error> {
    if bypasses(urgency) {
        return Ok((now, false));
    }
    let window = window_in(state, tx, user_id).await?;
    Ok(match window.and_then(|w| w.end_if_inside(now)) {
        Some(end) => (end, true),
        None => (now, false),
    })
}

fn window_of(row: &sqlx::any::AnyRow) -> Result<Option<Window>, sqlx::Error> {
    let (start, end): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    Ok(Window::new(
        u16::try_from(start).unwrap_or(u16::MAX),
        u16::try_from(end).unwrap_or(u16::MAX),
    ))
}

/// The quiet hours of `user_id`, read in the caller's transaction.
pub async fn window_in(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    user_id: &str,
) -> Result<Option<Window>, sqlx::Error> {
    let db = &state.db;
    let row =
        sqlx::query(&db.sql("SELECT start_minute, end_minute FROM quiet_hours WHERE user_id = ?"))
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    row.as_ref().map(window_of).transpose().map(Option::flatten)
}

/// The quiet hours of the owner of `device_id`.
pub async fn window_of_device(
    state: &AppState,
    device_id: &str,
) -> Result<Option<Window>, sqlx::Error> {
    let db = &state.db;
    let row = sqlx::query(&db.sql(
        "SELECT q.start_minute, q.end_minute FROM devices d JOIN quiet_hours q ON q.user_id = d.user_id \
         WHERE d.id = ?",
    ))
    .bind(device_id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(window_of).transpose().map(Option::flatten)
}

/// The quiet hours of `user_id`, as the API shows them.
pub async fn get(state: &AppState, user_id: &str) -> AppResult<QuietHours> {
    let db = &state.db;
    let row =
        sqlx::query(&db.sql("SELECT start_minute, end_minute FROM quiet_hours WHERE user_id = ?"))
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?;
    let window = row.as_ref().map(window_of).transpose()?.flatten();
    Ok(window.map_or_else(QuietHours::none, Window::to_wire))
}

/// Sets (or, both times `null`, removes) the quiet hours of `user_id`;
/// audited. Pushes held by the old quiet hours are released at once, to be
/// judged by the new ones. Returns them as stored.
pub async fn set(
    state: &AppState,
    user_id: &str,
    actor: &str,
    wanted: &QuietHours,
) -> AppResult<QuietHours> {
    let window = match wanted.minutes().map_err(AppError::bad_request)? {
        None => None,
        Some((s, e)) => Some(
            Window::new(s, e).ok_or_else(|| AppError::bad_request("start and end must differ"))?,
        ),
    };
    let db = &state.db;
    let now = state.now();
    let mut w = db.begin_write().await?;
    match window {
        Some(win) => {
            sqlx::query(&db.sql(
                "INSERT INTO quiet_hours (user_id, start_minute, end_minute, updated_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (user_id) DO UPDATE SET start_minute = excluded.start_minute, \
                 end_minute = excluded.end_minute, updated_at = excluded.updated_at",
            ))
            .bind(user_id)
            .bind(i64::from(win.start))
            .bind(i64::from(win.end))
            .bind(&now)
            .execute(&mut *w.tx)
            .await?;
        }
        None => {
            sqlx::query(&db.sql("DELETE FROM quiet_hours WHERE user_id = ?"))
                .bind(user_id)
                .execute(&mut *w.tx)
                .await?;
        }
    }
    // Held rows only: a claimed row's next_at is its lease, a row backing
    // off has a next_at of its own; neither equals held_until.
    let released = sqlx::query(&db.sql(
        "UPDATE push_outbox SET next_at = ?, held_until = NULL WHERE status = 'pending' \
         AND held_until IS NOT NULL AND next_at = held_until \
         AND device_id IN (SELECT id FROM devices WHERE user_id = ?)",
    ))
    .bind(&now)
    .bind(user_id)
    .execute(&mut *w.tx)
    .await?
    .rows_affected();
    let shown = window.map_or_else(QuietHours::none, Window::to_wire);
    let detail = match (&shown.start, &shown.end) {
        (Some(s), Some(e)) => format!("{s}-{e} (UTC+07:00)"),
        _ => "none".to_string(),
    };
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        actor,
        "quiet_hours_set",
        &format!("user:{user_id}"),
        &detail,
    )
    .await?;
    w.tx.commit().await?;
    if released > 0 {
        tracing::debug!(released, "pushes held by quiet hours released");
        state.notifier.wake();
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn w(s: &str, e: &str) -> Window {
        let q = QuietHours {
            start: Some(s.into()),
            end: Some(e.into()),
        };
        let (s, e) = q.minutes().expect("valid").expect("some");
        Window::new(s, e).expect("a window")
    }

    #[test]
    fn a_window_within_a_day() {
        let q = w("12:00", "13:30");
        assert_eq!(
            q.end_if_inside(datetime!(2026-03-05 04:59:59 UTC)),
            None,
            "11:59:59 in Vietnam: before"
        );
        assert_eq!(
            q.end_if_inside(datetime!(2026-03-05 05:00:00 UTC)),
            Some(datetime!(2026-03-05 06:30:00 UTC)),
            "12:00 in Vietnam: inside, until 13:30 (06:30 UTC)"
        );
        assert_eq!(
            q.end_if_inside(datetime!(2026-03-05 06:29:59 UTC)),
            Some(datetime!(2026-03-05 06:30:00 UTC)),
            "a second before the end"
        );
        assert_eq!(
            q.end_if_inside(datetime!(2026-03-05 06:30:00 UTC)),
            None,
            "the end itself is no longer quiet"
        );
    }

    #[test]
    fn a_window_across_midnight() {
        let q = w("22:00", "06:30");
        // 22:00 on 5 March in Vietnam is 15:00 UTC.
        assert_eq!(q.end_if_inside(datetime!(2026-03-05 14:59:00 UTC)), None);
        assert_eq!(
            q.end_if_inside(datetime!(2026-03-05 15:00:00 UTC)),
            Some(datetime!(2026-03-05 23:30:00 UTC)),
            "22:00: until 06:30 the next morning (23:30 UTC the same day)"
        );
        assert_eq!(
            q.end_if_inside(datetime!(2026-03-05 17:30:00 UTC)),
            Some(datetime!(2026-03-05 23:30:00 UTC)),
            "00:30 local, 6 March: the same end"
        );
        assert_eq!(
            q.end_if_inside(datetime!(2026-03-05 23:29:00 UTC)),
            Some(datetime!(2026-03-05 23:30:00 UTC)),
            "06:29 local"
        );
        assert_eq!(q.end_if_inside(datetime!(2026-03-05 23:30:00 UTC)), None);
        // Late evening on the last day of a year: the end is in the next year.
        assert_eq!(
            q.end_if_inside(datetime!(2026-12-31 16:00:00 UTC)),
            Some(datetime!(2026-12-31 23:30:00 UTC)),
            "23:00 on 31 December"
        );
        assert_eq!(
            q.end_if_inside(datetime!(2026-03-05 16:00:00 +07:00)),
            None,
            "16:00 in Vietnam is outside, whatever offset the instant carries"
        );
        assert_eq!(
            q.end_if_inside(datetime!(2026-03-05 23:00:00 +07:00)),
            Some(datetime!(2026-03-06 06:30:00 +07:00)),
            "an instant given in Vietnam's offset"
        );
    }

    #[test]
    fn urgencies_that_bypass() {
        assert!(!bypasses(Urgency::Normal), "thường waits");
        assert!(!bypasses(Urgency::Urgent), "khẩn waits");
        assert!(bypasses(Urgency::VeryUrgent), "thượng khẩn comes");
        assert!(bypasses(Urgency::Flash), "hỏa tốc comes");
    }

    #[test]
    fn windows_are_never_empty() {
        assert!(Window::new(60, 60).is_none(), "start = end");
        assert!(Window::new(1440, 60).is_none(), "out of the day");
        assert!(Window::new(1439, 0).is_some(), "the last minute");
    }
}
