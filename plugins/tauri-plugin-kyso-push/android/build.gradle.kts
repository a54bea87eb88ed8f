plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "app.kyso.push"
    compileSdk = 35

    defaultConfig {
        // As the keystore plugin (Android 11). Android 12 (31) adds
        // Notification.Action.setAuthenticationRequired, Android 13 (33)
        // the POST_NOTIFICATIONS runtime permission; both are checked at
        // run time.
        minSdk = 30
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_1_8
        targetCompatibility = JavaVersion.VERSION_1_8
    }
    kotlinOptions {
        jvmTarget = "1.8"
    }
}

dependencies {
    // FirebaseMessagingService (onNewToken, onMessageReceived) and the
    // registration token. The app itself must apply the
    // com.google.gms.google-services plugin with its google-services.json
    // (see README.md); without it `register` answers `unavailable`.
    implementation("com.google.firebase:firebase-messaging:24.1.0")
    implementation(project(":tauri-android"))
}
