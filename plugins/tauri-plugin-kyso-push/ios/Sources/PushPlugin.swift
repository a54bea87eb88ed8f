// The iOS side of tauri-plugin-kyso-push: notification permission, the
// APNs device token, the notification categories with "Xem" and "Ký ngay",
// and taps handed to the Rust side. The contract (command names, answers,
// events, error codes, categories, actions, texts, the request id rule) is
// defined in src/models.rs and src/error.rs and checked against this file
// by the plugin's contract test.
//
// NOT COMPILED HERE: there is no Xcode or Swift compiler on the machine
// this was written on; see README.md.

import Foundation
import ObjectiveC
import SwiftRs
import Tauri
import UIKit
import UserNotifications
import WebKit

/// The closed set of error codes; the only values `fail` sends.
enum ErrorCode: String {
  case unsupported
  case permissionDenied
  case unavailable
  case `internal`
}

/// Whether notifications may be shown (`unsupported` is the desktop's).
enum PushPermission: String {
  case granted
  case denied
  case prompt
  case unsupported
}

/// Who delivers iOS pushes.
let provider = "apns"

/// The payload's keys (custom keys beside `aps`): the only ones read.
let keyRequestId = "request_id"
let keyUrgency = "urgency"
let keyCategory = "category"

/// The rule of the app's kyso://request/<id> links.
let requestIdPattern = "^[A-Za-z0-9_-]{1,64}$"

func validRequestId(_ id: String) -> Bool {
  // The whole string: ICU's `$` also matches before a final newline.
  return id.range(of: requestIdPattern, options: .regularExpression) == id.startIndex..<id.endIndex
}

/// The notification categories (`aps.category`), each with both actions.
enum Category: String, CaseIterable {
  case newRequest = "new_request"
  case deadlineReminder = "deadline_reminder"
}

/// The actions' identifiers, also the tap's `action`.
enum PushAction: String {
  case view = "view"
  case sign = "sign"
}

/// Vietnamese and English texts, used when the app's Localizable.strings
/// lacks a key (the APNs alert itself is localised by the system from that
/// file: see ios/Localizable/ and README.md).
let texts: [String: (vi: String, en: String)] = [
  "push.new_request.title": ("Văn bản mới chờ ký", "New document to sign"),
  "push.new_request.body": ("Mở Kyso để xem văn bản.", "Open Kyso to read it."),
  "push.deadline_reminder.title": ("Văn bản sắp đến hạn ký", "A document is due soon"),
  "push.deadline_reminder.body": ("Mở Kyso để xem văn bản trước hạn.", "Open Kyso to read it before its deadline."),
  "push.action.view": ("Xem", "View"),
  "push.action.sign": ("Ký ngay", "Sign now"),
  "push.channel.normal": ("Văn bản thường", "Documents"),
  "push.channel.urgent": ("Văn bản khẩn", "Urgent documents"),
  "push.channel.very_urgent": ("Văn bản thượng khẩn", "Very urgent documents"),
  "push.channel.flash": ("Văn bản hỏa tốc", "Flash documents"),
]

func text(_ key: String) -> String {
  let vi = Locale.preferredLanguages.first?.hasPrefix("vi") ?? false
  let fallback = texts[key].map { vi ? $0.vi : $0.en } ?? key
  return Bundle.main.localizedString(forKey: key, value: fallback, table: nil)
}

struct SetEventHandlerArgs: Decodable {
  let handler: Channel
}

struct StatusAnswer: Encodable {
  let permission: String
  let provider: String?
  let token: String?
}

struct PushTokenAnswer: Encodable {
  let provider: String
  let token: String
}

struct TokenEvent: Encodable {
  let kind: String
  let provider: String
  let token: String
}

struct TapEvent: Encodable {
  let kind: String
  let requestId: String
  let action: String
}

private enum Event {
  case token(TokenEvent)
  case tap(TapEvent)
}

class PushPlugin: Plugin, UNUserNotificationCenterDelegate {
  /// The plugin, for the app delegate methods added at load.
  static weak var shared: PushPlugin?

  // Touched on the main queue only.
  private var handler: Channel?
  private var pending: [Event] = []
  private var token: String?
  private var waiting: [Invoke] = []
  private var hooked = false
  /// The delegate before us (tauri-plugin-notification's), which keeps
  /// every notification that is not one of our pushes.
  private var previous: UNUserNotificationCenterDelegate?

  private func fail(_ invoke: Invoke, _ code: ErrorCode, _ message: String) {
    invoke.reject(message, code: code.rawValue)
  }

  /// Runs when the web view exists, inside application(_:didFinishLaunchingWithOptions:),
  /// which is early enough for the delegate to receive the tap that
  /// launched the app.
  override func load(webview: WKWebView) {
    PushPlugin.shared = self
    let center = UNUserNotificationCenter.current()
    if (center.delegate as AnyObject?) !== self {
      previous = center.delegate
      center.delegate = self
    }
    let ours = categories()
    center.getNotificationCategories { existing in
      let others = existing.filter { c in !ours.contains { $0.identifier == c.identifier } }
      center.setNotificationCategories(others.union(ours))
    }
    hooked = addAppDelegateMethods()
    // The token may have changed while the app was not running.
    center.getNotificationSettings { settings in
      guard PushPlugin.allowed(settings.authorizationStatus) else { return }
      DispatchQueue.main.async { UIApplication.shared.registerForRemoteNotifications() }
    }
  }

  private static func allowed(_ s: UNAuthorizationStatus) -> Bool {
    return s == .authorized || s == .provisional || s == .ephemeral
  }

  /// "Xem" opens the app. "Ký ngay" opens the app too, with the sign sheet:
  /// never a background action (signing needs the app's confirmation and
  /// the key's Face ID / Touch ID), and only on an unlocked phone.
  private func categories() -> Set<UNNotificationCategory> {
    let view = UNNotificationAction(
      identifier: PushAction.view.rawValue, title: text("push.action.view"), options: [.foreground])
    let sign = UNNotificationAction(
      identifier: PushAction.sign.rawValue, title: text("push.action.sign"), options: [.foreground, .authenticationRequired])
    return Set(
      Category.allCases.map {
        UNNotificationCategory(
          identifier: $0.rawValue, actions: [view, sign], intentIdentifiers: [], options: [])
      })
  }

  /// Tao's app delegate has no push methods: they are added to its class,
  /// so APNs can hand over the device token. False when that failed (a
  /// method already there): `register` then answers `unavailable`.
  private func addAppDelegateMethods() -> Bool {
    guard let delegate = UIApplication.shared.delegate, let cls = object_getClass(delegate) else {
      return false
    }
    let didRegister: @convention(block) (AnyObject, UIApplication, Data) -> Void = { _, _, deviceToken in
      PushPlugin.shared?.received(deviceToken: deviceToken)
    }
    let didFail: @convention(block) (AnyObject, UIApplication, NSError) -> Void = { _, _, error in
      PushPlugin.shared?.registrationFailed(error)
    }
    let a = class_addMethod(
      cls, NSSelectorFromString("application:didRegisterForRemoteNotificationsWithDeviceToken:"),
      imp_implementationWithBlock(unsafeBitCast(didRegister, to: AnyObject.self)), "v@:@@")
    let b = class_addMethod(
      cls, NSSelectorFromString("application:didFailToRegisterForRemoteNotificationsWithError:"),
      imp_implementationWithBlock(unsafeBitCast(didFail, to: AnyObject.self)), "v@:@@")
    return a && b
  }

  func received(deviceToken: Data) {
    let hex = deviceToken.map { String(format: "%02x", $0) }.joined()
    DispatchQueue.main.async {
      let changed = hex != self.token
      self.token = hex
      let waiting = self.waiting
      self.waiting = []
      for invoke in waiting {
        invoke.resolve(PushTokenAnswer(provider: provider, token: hex))
      }
      if changed && waiting.isEmpty {
        self.send(.token(TokenEvent(kind: "token", provider: provider, token: hex)))
      }
    }
  }

  func registrationFailed(_ error: NSError) {
    DispatchQueue.main.async {
      let waiting = self.waiting
      self.waiting = []
      for invoke in waiting {
        self.fail(invoke, .unavailable, "APNs registration failed: \(error.localizedDescription)")
      }
    }
  }

  @objc public func status(_ invoke: Invoke) {
    UNUserNotificationCenter.current().getNotificationSettings { settings in
      let permission: PushPermission
      switch settings.authorizationStatus {
      case .authorized, .provisional, .ephemeral: permission = .granted
      case .notDetermined: permission = .prompt
      default: permission = .denied
      }
      DispatchQueue.main.async {
        invoke.resolve(
          StatusAnswer(permission: permission.rawValue, provider: provider, token: self.token))
      }
    }
  }

  @objc public func register(_ invoke: Invoke) {
    UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge]) {
      granted, error in
      DispatchQueue.main.async {
        guard granted else {
          return self.fail(
            invoke, .permissionDenied,
            error?.localizedDescription ?? "notifications are not allowed for this app")
        }
        guard self.hooked else {
          return self.fail(invoke, .unavailable, "the app delegate cannot receive the APNs token")
        }
        self.waiting.append(invoke)
        UIApplication.shared.registerForRemoteNotifications()
        DispatchQueue.main.asyncAfter(deadline: .now() + 30) { [weak self] in
          guard let self = self, let i = self.waiting.firstIndex(where: { $0 === invoke }) else {
            return
          }
          self.waiting.remove(at: i)
          self.fail(invoke, .unavailable, "APNs gave no token in 30 seconds")
        }
      }
    }
  }

  // Not a command of build.rs: only the Rust side calls it, once, with the
  // channel for the events.
  @objc public func setEventHandler(_ invoke: Invoke) throws {
    let args = try invoke.parseArgs(SetEventHandlerArgs.self)
    DispatchQueue.main.async {
      self.handler = args.handler
      let pending = self.pending
      self.pending = []
      for e in pending { self.deliver(e, to: args.handler) }
    }
    invoke.resolve()
  }

  private func send(_ e: Event) {
    guard let handler = handler else {
      if pending.count >= 16 { pending.removeFirst() }
      pending.append(e)
      return
    }
    deliver(e, to: handler)
  }

  private func deliver(_ e: Event, to handler: Channel) {
    switch e {
    case .token(let t): try? handler.send(t)
    case .tap(let t): try? handler.send(t)
    }
  }

  /// One of our pushes: remote, with a request id. (The notification
  /// plugin's local notifications have none.)
  private func isOurs(_ n: UNNotification) -> Bool {
    return n.request.trigger is UNPushNotificationTrigger
      && n.request.content.userInfo[keyRequestId] is String
  }

  func userNotificationCenter(
    _ center: UNUserNotificationCenter, willPresent notification: UNNotification,
    withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void
  ) {
    if isOurs(notification) {
      // In the foreground the app hears the gateway's event stream and
      // shows its own notification: no second one.
      return completionHandler([])
    }
    if previous?.userNotificationCenter?(
      center, willPresent: notification, withCompletionHandler: completionHandler) == nil
    {
      completionHandler([.banner, .list, .sound])
    }
  }

  func userNotificationCenter(
    _ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse,
    withCompletionHandler completionHandler: @escaping () -> Void
  ) {
    guard isOurs(response.notification) else {
      if previous?.userNotificationCenter?(
        center, didReceive: response, withCompletionHandler: completionHandler) == nil
      {
        completionHandler()
      }
      return
    }
    let requestId = response.notification.request.content.userInfo[keyRequestId] as? String ?? ""
    let action: PushAction?
    switch response.actionIdentifier {
    // A tap on the notification itself.
    case UNNotificationDefaultActionIdentifier: action = .view
    // "Xem", "Ký ngay"; nil for a dismissal or anything else.
    default: action = PushAction(rawValue: response.actionIdentifier)
    }
    if let action = action, validRequestId(requestId) {
      DispatchQueue.main.async {
        self.send(.tap(TapEvent(kind: "tap", requestId: requestId, action: action.rawValue)))
      }
    }
    completionHandler()
  }
}

@_cdecl("init_plugin_kyso_push")
func initPlugin() -> Plugin {
  return PushPlugin()
}
