// The Android side of tauri-plugin-kyso-push: notification permission, the
// FCM token, and taps on the notifications (PushService and Notifications
// make them). The contract (command names, answers, events, error codes) is
// defined in src/models.rs and src/error.rs and checked against this file
// by the plugin's contract test.
//
// NOT COMPILED HERE: there is no Android SDK or Kotlin compiler on the
// machine this was written on; see README.md.

package app.kyso.push

import android.Manifest
import android.app.Activity
import android.app.NotificationManager
import android.content.Intent
import android.os.Build
import android.webkit.WebView
import app.tauri.PermissionState
import app.tauri.annotation.Command
import app.tauri.annotation.InvokeArg
import app.tauri.annotation.Permission
import app.tauri.annotation.PermissionCallback
import app.tauri.annotation.TauriPlugin
import app.tauri.plugin.Channel
import app.tauri.plugin.Invoke
import app.tauri.plugin.JSObject
import app.tauri.plugin.Plugin
import com.google.firebase.FirebaseApp
import com.google.firebase.messaging.FirebaseMessaging

/** The closed set of error codes; the only values `fail` sends. */
enum class ErrorCode(val wire: String) {
    UNSUPPORTED("unsupported"),
    PERMISSION_DENIED("permissionDenied"),
    UNAVAILABLE("unavailable"),
    INTERNAL("internal"),
}

/** Whether notifications may be shown (UNSUPPORTED is the desktop's). */
enum class PushPermission(val wire: String) {
    GRANTED("granted"),
    DENIED("denied"),
    PROMPT("prompt"),
    UNSUPPORTED("unsupported"),
}

/** Who delivers Android pushes. */
const val PROVIDER = "fcm"

/** The permission alias of POST_NOTIFICATIONS (Android 13+). */
private const val NOTIFICATIONS = "notifications"

@InvokeArg
class SetEventHandlerArgs {
    lateinit var handler: Channel
}

/**
 * Events for the Rust side, on the channel it hands over after the app's
 * setup; kept until then (a tap that started the app comes first). Shared
 * by the plugin (taps, on the main thread) and PushService (tokens, on
 * FCM's thread).
 */
object Events {
    private const val MAX_PENDING = 16
    private var channel: Channel? = null
    private val pending = ArrayList<JSObject>()
    private var lastToken: String? = null

    @Synchronized
    fun listen(c: Channel) {
        channel = c
        for (e in pending) c.send(e)
        pending.clear()
    }

    /** A token; sent when it is new and `emit` (register answers its own). */
    @Synchronized
    fun token(token: String, emit: Boolean) {
        if (token == lastToken) return
        lastToken = token
        if (emit) send(tokenEvent(token))
    }

    @Synchronized
    fun lastToken(): String? = lastToken

    @Synchronized
    fun tap(tap: Tap) {
        send(tapEvent(tap))
    }

    private fun send(e: JSObject) {
        val c = channel
        if (c != null) {
            c.send(e)
        } else {
            if (pending.size >= MAX_PENDING) pending.removeAt(0)
            pending.add(e)
        }
    }

    private fun tokenEvent(token: String): JSObject {
        val e = JSObject()
        e.put("kind", "token")
        e.put("provider", PROVIDER)
        e.put("token", token)
        return e
    }

    private fun tapEvent(tap: Tap): JSObject {
        val e = JSObject()
        e.put("kind", "tap")
        e.put("requestId", tap.requestId)
        e.put("action", tap.action.wire)
        return e
    }
}

@TauriPlugin(
    permissions = [
        Permission(strings = [Manifest.permission.POST_NOTIFICATIONS], alias = NOTIFICATIONS)
    ]
)
class PushPlugin(private val activity: Activity) : Plugin(activity) {
    private fun fail(invoke: Invoke, code: ErrorCode, message: String) {
        invoke.reject(message, code.wire)
    }

    private fun enabled(): Boolean =
        activity.getSystemService(NotificationManager::class.java)?.areNotificationsEnabled() == true

    private fun permission(): PushPermission {
        if (enabled()) return PushPermission.GRANTED
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU) return PushPermission.DENIED
        return when (getPermissionState(NOTIFICATIONS)) {
            PermissionState.PROMPT, PermissionState.PROMPT_WITH_RATIONALE -> PushPermission.PROMPT
            // Granted, but notifications turned off in the settings: denied too.
            else -> PushPermission.DENIED
        }
    }

    /** FCM, or null when this build has no Firebase configuration. */
    private fun messaging(): FirebaseMessaging? =
        try {
            if (FirebaseApp.getApps(activity).isEmpty()) null else FirebaseMessaging.getInstance()
        } catch (e: IllegalStateException) {
            null
        }

    override fun load(webView: WebView) {
        super.load(webView)
        // The tap that started the app, if any.
        activity.intent?.let { onNewIntent(it) }
        // The token may have changed while the app was not running.
        if (enabled() && Events.lastToken() == null) {
            messaging()?.token?.addOnSuccessListener { t -> if (!t.isNullOrEmpty()) Events.token(t, true) }
        }
    }

    override fun onNewIntent(intent: Intent) {
        val tap = Notifications.tapOf(intent) ?: return
        Notifications.cancel(activity, tap.requestId)
        Events.tap(tap)
    }

    @Command
    fun status(invoke: Invoke) {
        val ret = JSObject()
        ret.put("permission", permission().wire)
        ret.put("provider", PROVIDER)
        val token = Events.lastToken()
        if (token != null) ret.put("token", token)
        invoke.resolve(ret)
    }

    @Command
    fun register(invoke: Invoke) {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU &&
            getPermissionState(NOTIFICATIONS) != PermissionState.GRANTED
        ) {
            requestPermissionForAlias(NOTIFICATIONS, invoke, "afterPermission")
            return
        }
        fetchToken(invoke)
    }

    @PermissionCallback
    private fun afterPermission(invoke: Invoke) {
        fetchToken(invoke)
    }

    private fun fetchToken(invoke: Invoke) {
        if (!enabled()) {
            fail(invoke, ErrorCode.PERMISSION_DENIED, "notifications are not allowed for this app")
            return
        }
        val fcm = messaging()
        if (fcm == null) {
            fail(invoke, ErrorCode.UNAVAILABLE, "Firebase is not configured in this build (google-services.json)")
            return
        }
        // Auto-init is off in the manifest until the app registers.
        fcm.isAutoInitEnabled = true
        fcm.token.addOnCompleteListener { task ->
            val token = if (task.isSuccessful) task.result else null
            if (token.isNullOrEmpty()) {
                fail(invoke, ErrorCode.UNAVAILABLE, "no FCM token: ${task.exception?.message ?: "none"}")
            } else {
                Events.token(token, false)
                invoke.resolve(tokenAnswer(token))
            }
        }
    }

    private fun tokenAnswer(token: String): JSObject {
        val ret = JSObject()
        ret.put("provider", PROVIDER)
        ret.put("token", token)
        return ret
    }

    // Not a command of build.rs: only the Rust side calls it, once, with
    // the channel for Events.
    @Command
    fun setEventHandler(invoke: Invoke) {
        val args = invoke.parseArgs(SetEventHandlerArgs::class.java)
        Events.listen(args.handler)
        invoke.resolve()
    }
}
