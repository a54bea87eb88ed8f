plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "app.kyso.keystore"
    compileSdk = 35

    defaultConfig {
        // Android 11: KeyGenParameterSpec.setUserAuthenticationParameters and
        // BIOMETRIC_STRONG-bound keys with per-use authentication.
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
    // BiometricPrompt with a CryptoObject (the signature is unlocked by the prompt).
    implementation("androidx.biometric:biometric:1.1.0")
    implementation("androidx.appcompat:appcompat:1.6.1")
    implementation(project(":tauri-android"))
}
