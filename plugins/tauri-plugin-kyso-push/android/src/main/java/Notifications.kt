// The Android notification of a push, and the intents of its taps.
// The contract (payload keys, categories, urgencies and their channels,
// actions, texts, the request id rule) is defined in src/models.rs and
// checked against this file by the plugin's contract test.
//
// NOT COMPILED HERE: there is no Android SDK or Kotlin compiler on the
// machine this was written on; see README.md.

package app.kyso.push

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.graphics.drawable.Icon
import android.os.Build
import android.os.Bundle

/** The payload's keys: the only keys read from a push, and the only ones put in a notification's extras. */
const val KEY_REQUEST_ID = "request_id"
const val KEY_URGENCY = "urgency"
const val KEY_CATEGORY = "category"

/** A tap's intent: this prefix + the action's wire name, and the request id as its one extra. */
const val INTENT_ACTION_PREFIX = "app.kyso.push.action."

/** The rule of the app's kyso://request/<id> links. */
private val REQUEST_ID = Regex("^[A-Za-z0-9_-]{1,64}$")

fun validRequestId(id: String?): Boolean = id != null && REQUEST_ID.matches(id)

enum class Urgency(val wire: String, val channel: String, val nameRes: Int, val high: Boolean) {
    NORMAL("normal", "kyso_normal", R.string.push_channel_normal, false),
    URGENT("urgent", "kyso_urgent", R.string.push_channel_urgent, false),
    VERY_URGENT("very_urgent", "kyso_very_urgent", R.string.push_channel_very_urgent, true),
    FLASH("flash", "kyso_flash", R.string.push_channel_flash, true);

    companion object {
        fun parse(s: String?): Urgency? = values().firstOrNull { it.wire == s }
    }
}

enum class Category(val wire: String, val titleRes: Int, val bodyRes: Int) {
    NEW_REQUEST("new_request", R.string.push_new_request_title, R.string.push_new_request_body),
    DEADLINE_REMINDER("deadline_reminder", R.string.push_deadline_reminder_title, R.string.push_deadline_reminder_body);

    companion object {
        fun parse(s: String?): Category? = values().firstOrNull { it.wire == s }
    }
}

enum class PushAction(val wire: String, val titleRes: Int) {
    VIEW("view", R.string.push_action_view),
    SIGN("sign", R.string.push_action_sign);

    companion object {
        fun parse(s: String?): PushAction? = values().firstOrNull { it.wire == s }
    }
}

/** A tap the activity received: validated before anything else sees it. */
class Tap(val requestId: String, val action: PushAction)

object Notifications {
    /** One notification per request: tag = the request id, this id. */
    private const val NOTIFICATION_ID = 1

    /** One channel per urgency, so each can be tuned in the settings. */
    private fun ensureChannels(context: Context, manager: NotificationManager) {
        for (u in Urgency.values()) {
            val importance =
                if (u.high) NotificationManager.IMPORTANCE_HIGH else NotificationManager.IMPORTANCE_DEFAULT
            // Creating an existing channel only updates its name.
            manager.createNotificationChannel(NotificationChannel(u.channel, context.getString(u.nameRes), importance))
        }
    }

    /**
     * Shows the notification of a data message; ignores one without a valid
     * request id. An unknown urgency is normal; an unknown category (a newer
     * gateway) reads as a new request.
     */
    fun show(context: Context, data: Map<String, String>) {
        val requestId = data[KEY_REQUEST_ID]
        if (requestId == null || !validRequestId(requestId)) return
        val urgency = Urgency.parse(data[KEY_URGENCY]) ?: Urgency.NORMAL
        val category = Category.parse(data[KEY_CATEGORY]) ?: Category.NEW_REQUEST
        val manager = context.getSystemService(NotificationManager::class.java) ?: return
        if (!manager.areNotificationsEnabled()) return
        ensureChannels(context, manager)
        // Only the payload's three values; no text of the document exists here.
        val extras = Bundle()
        extras.putString(KEY_REQUEST_ID, requestId)
        extras.putString(KEY_URGENCY, urgency.wire)
        extras.putString(KEY_CATEGORY, category.wire)
        val builder = Notification.Builder(context, urgency.channel)
            .setSmallIcon(context.applicationInfo.icon)
            .setContentTitle(context.getString(category.titleRes))
            .setContentText(context.getString(category.bodyRes))
            .setVisibility(Notification.VISIBILITY_PRIVATE)
            .setAutoCancel(true)
            .setExtras(extras)
            // A tap on the notification itself: view.
            .setContentIntent(openIntent(context, requestId, PushAction.VIEW))
        if (urgency != Urgency.NORMAL) builder.setSubText(context.getString(urgency.nameRes))
        for (a in PushAction.values()) builder.addAction(action(context, requestId, a))
        manager.notify(requestId, NOTIFICATION_ID, builder.build())
    }

    /**
     * A button. Both open the app's activity (PendingIntent.getActivity: never
     * a broadcast or a service, so nothing happens in the background), and on
     * Android 12+ both need the phone unlocked first. "Ký ngay" opens the sign
     * sheet; signing still needs the confirmation and the biometric prompt.
     */
    private fun action(context: Context, requestId: String, a: PushAction): Notification.Action {
        val icon = Icon.createWithResource(context, context.applicationInfo.icon)
        val b = Notification.Action.Builder(icon, context.getString(a.titleRes), openIntent(context, requestId, a))
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) b.setAuthenticationRequired(true)
        return b.build()
    }

    /** Opens the app's own launcher activity with the request id and the action. */
    private fun openIntent(context: Context, requestId: String, a: PushAction): PendingIntent {
        val launch = context.packageManager.getLaunchIntentForPackage(context.packageName)
        val intent = Intent(INTENT_ACTION_PREFIX + a.wire)
            .setPackage(context.packageName)
            .putExtra(KEY_REQUEST_ID, requestId)
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_SINGLE_TOP)
        launch?.component?.let { intent.component = it }
        // Distinct per request and action (PendingIntents ignore extras when compared).
        val code = "$requestId/${a.wire}".hashCode()
        return PendingIntent.getActivity(
            context, code, intent, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT
        )
    }

    /**
     * The tap an intent carries, or null: not one of ours, an unknown action
     * or an invalid id (the launcher activity is exported, so any app could
     * send one: it can at most open a request, never sign). Consumed: a
     * recreated activity keeps its intent and must not open it again.
     */
    fun tapOf(intent: Intent?): Tap? {
        val name = intent?.action ?: return null
        if (!name.startsWith(INTENT_ACTION_PREFIX)) return null
        val action = PushAction.parse(name.removePrefix(INTENT_ACTION_PREFIX)) ?: return null
        val requestId = intent.getStringExtra(KEY_REQUEST_ID)
        intent.removeExtra(KEY_REQUEST_ID)
        if (requestId == null || !validRequestId(requestId)) return null
        return Tap(requestId, action)
    }

    /** Removes the request's notification (its buttons do not do it themselves). */
    fun cancel(context: Context, requestId: String) {
        context.getSystemService(NotificationManager::class.java)?.cancel(requestId, NOTIFICATION_ID)
    }
}
