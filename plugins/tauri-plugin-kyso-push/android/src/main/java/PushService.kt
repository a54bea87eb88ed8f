// Firebase Cloud Messaging for tauri-plugin-kyso-push: new tokens go to the
// plugin's event channel; a data message becomes the local notification.
//
// NOT COMPILED HERE: there is no Android SDK or Kotlin compiler on the
// machine this was written on; see README.md.

package app.kyso.push

import android.app.ActivityManager
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage

class PushService : FirebaseMessagingService() {
    /** FCM rotated the token (or made the first one): the app registers it with the gateway. */
    override fun onNewToken(token: String) {
        Events.token(token, true)
    }

    /**
     * The gateway sends data messages only (request_id, urgency, category),
     * so this runs in the foreground and the background alike. In the
     * foreground the app already hears the gateway's event stream and shows
     * its own notification: no second one.
     */
    override fun onMessageReceived(message: RemoteMessage) {
        val data = message.data
        if (data.isEmpty() || inForeground()) return
        Notifications.show(this, data)
    }

    private fun inForeground(): Boolean {
        val info = ActivityManager.RunningAppProcessInfo()
        ActivityManager.getMyMemoryState(info)
        return info.importance == ActivityManager.RunningAppProcessInfo.IMPORTANCE_FOREGROUND
    }
}
