// The Android side of tauri-plugin-kyso-keystore: a P-256 key in
// AndroidKeyStore (StrongBox first, else the TEE) that signs only inside a
// BiometricPrompt, and an AES-256-GCM key there (no prompt) that wraps the
// app's cache key. The contract (command names, argument fields, answers,
// error codes) is defined in src/models.rs and src/error.rs and checked
// against this file by the plugin's contract test.

package app.kyso.keystore

import android.app.Activity
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyInfo
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.util.Base64
import androidx.biometric.BiometricManager
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricPrompt
import androidx.fragment.app.FragmentActivity
import app.tauri.annotation.Command
import app.tauri.annotation.InvokeArg
import app.tauri.annotation.TauriPlugin
import app.tauri.plugin.Invoke
import app.tauri.plugin.JSArray
import app.tauri.plugin.JSObject
import app.tauri.plugin.Plugin
import java.security.KeyFactory
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.util.concurrent.Executors
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/** The closed set of error codes; the only values `fail` sends. */
enum class ErrorCode(val wire: String) {
    USER_CANCEL("userCancel"),
    AUTHENTICATION_FAILED("authenticationFailed"),
    BIOMETRY_NOT_ENROLLED("biometryNotEnrolled"),
    BIOMETRY_LOCKOUT("biometryLockout"),
    KEY_INVALIDATED("keyInvalidated"),
    KEY_NOT_FOUND("keyNotFound"),
    KEY_EXISTS("keyExists"),
    HARDWARE_UNAVAILABLE("hardwareUnavailable"),
    WRONG_PASSPHRASE("wrongPassphrase"),
    INVALID_ARGUMENT("invalidArgument"),
    INTERNAL("internal"),
}

enum class SecurityLevel(val wire: String) {
    SOFTWARE("software"),
    TRUSTED_ENVIRONMENT("trustedEnvironment"),
    STRONG_BOX("strongBox"),
}

@InvokeArg
class GenerateKeyArgs {
    lateinit var alias: String
    lateinit var attestationChallenge: String
}

@InvokeArg
class PublicKeyArgs {
    lateinit var alias: String
}

@InvokeArg
class SignArgs {
    lateinit var alias: String
    lateinit var data: String
    lateinit var prompt: String
}

@InvokeArg
class DeleteKeyArgs {
    lateinit var alias: String
}

@InvokeArg
class WrapKeyArgs {
    lateinit var alias: String
    lateinit var data: String
}

@InvokeArg
class UnwrapKeyArgs {
    lateinit var alias: String
    lateinit var wrapped: String
}

private const val PROVIDER = "AndroidKeyStore"
private const val GCM_IV = 12
private const val GCM_TAG_BITS = 128

@TauriPlugin
class KeystorePlugin(private val activity: Activity) : Plugin(activity) {
    // Tauri calls commands on the main thread: key generation (seconds on
    // StrongBox) and signing run here instead.
    private val worker = Executors.newSingleThreadExecutor()

    private fun fail(invoke: Invoke, code: ErrorCode, message: String) {
        invoke.reject(message, code.wire)
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }

    private fun b64(bytes: ByteArray): String = Base64.encodeToString(bytes, Base64.NO_WRAP)

    /** The base64 argument [name] decoded, or null once the call is rejected. */
    private fun bytesArg(invoke: Invoke, value: String, name: String): ByteArray? =
        try {
            Base64.decode(value, Base64.NO_WRAP)
        } catch (e: IllegalArgumentException) {
            fail(invoke, ErrorCode.INVALID_ARGUMENT, "$name is not base64")
            null
        }

    /** Why a Class 3 biometric cannot be used now, or null when it can. */
    private fun biometryProblem(): ErrorCode? =
        when (BiometricManager.from(activity).canAuthenticate(BIOMETRIC_STRONG)) {
            BiometricManager.BIOMETRIC_SUCCESS -> null
            BiometricManager.BIOMETRIC_ERROR_NONE_ENROLLED -> ErrorCode.BIOMETRY_NOT_ENROLLED
            else -> ErrorCode.HARDWARE_UNAVAILABLE
        }

    private fun hasStrongBox(): Boolean =
        activity.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)

    @Command
    fun status(invoke: Invoke) {
        val problem = biometryProblem()
        val level = if (hasStrongBox()) SecurityLevel.STRONG_BOX else SecurityLevel.TRUSTED_ENVIRONMENT
        val ret = JSObject()
        ret.put("available", problem == null)
        ret.put("securityLevel", level.wire)
        if (problem != null) ret.put("reason", problem.wire)
        invoke.resolve(ret)
    }

    @Command
    fun generateKey(invoke: Invoke) {
        val args = invoke.parseArgs(GenerateKeyArgs::class.java)
        val challenge = bytesArg(invoke, args.attestationChallenge, "attestationChallenge") ?: return
        worker.execute {
            try {
                val problem = biometryProblem()
                if (problem != null) {
                    fail(invoke, problem, "no strong biometric can be used on this device")
                    return@execute
                }
                val ks = keyStore()
                if (ks.containsAlias(args.alias)) {
                    fail(invoke, ErrorCode.KEY_EXISTS, "there is already a key '${args.alias}'")
                    return@execute
                }
                val level = generate(args.alias, challenge)
                val chain = ks.getCertificateChain(args.alias)
                val attestation = JSArray()
                chain.forEach { attestation.put(b64(it.encoded)) }
                val ret = JSObject()
                ret.put("publicKey", b64(chain[0].publicKey.encoded))
                ret.put("securityLevel", level.wire)
                ret.put("attestationChain", attestation)
                invoke.resolve(ret)
            } catch (e: Exception) {
                fail(invoke, ErrorCode.INTERNAL, "key generation failed: $e")
            }
        }
    }

    private fun spec(alias: String, challenge: ByteArray, strongBox: Boolean): KeyGenParameterSpec =
        KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
            .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
            .setDigests(KeyProperties.DIGEST_SHA256)
            .setUserAuthenticationRequired(true)
            // 0: every use needs its own authentication (no time window).
            .setUserAuthenticationParameters(0, KeyProperties.AUTH_BIOMETRIC_STRONG)
            .setInvalidatedByBiometricEnrollment(true)
            .setAttestationChallenge(challenge)
            .setIsStrongBoxBacked(strongBox)
            .build()

    /** Generates the key, StrongBox first; returns where it ended up. */
    private fun generate(alias: String, challenge: ByteArray): SecurityLevel {
        val kpg = KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, PROVIDER)
        if (hasStrongBox()) {
            try {
                kpg.initialize(spec(alias, challenge, true))
                kpg.generateKeyPair()
                return levelOf(alias, SecurityLevel.STRONG_BOX)
            } catch (e: StrongBoxUnavailableException) {
                // Busy or unable to hold this key: the TEE below.
            }
        }
        kpg.initialize(spec(alias, challenge, false))
        kpg.generateKeyPair()
        return levelOf(alias, SecurityLevel.TRUSTED_ENVIRONMENT)
    }

    /** The level KeyInfo reports (API 31+); on API 30, the level asked for. */
    private fun levelOf(alias: String, asked: SecurityLevel): SecurityLevel {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.S) return asked
        val key = keyStore().getKey(alias, null) as PrivateKey
        val info = KeyFactory.getInstance(key.algorithm, PROVIDER).getKeySpec(key, KeyInfo::class.java)
        return when (info.securityLevel) {
            KeyProperties.SECURITY_LEVEL_STRONGBOX -> SecurityLevel.STRONG_BOX
            KeyProperties.SECURITY_LEVEL_TRUSTED_ENVIRONMENT,
            KeyProperties.SECURITY_LEVEL_UNKNOWN_SECURE -> SecurityLevel.TRUSTED_ENVIRONMENT
            else -> SecurityLevel.SOFTWARE
        }
    }

    @Command
    fun publicKey(invoke: Invoke) {
        val args = invoke.parseArgs(PublicKeyArgs::class.java)
        val cert = keyStore().getCertificate(args.alias)
        if (cert == null) {
            fail(invoke, ErrorCode.KEY_NOT_FOUND, "no key '${args.alias}'")
            return
        }
        val ret = JSObject()
        ret.put("publicKey", b64(cert.publicKey.encoded))
        invoke.resolve(ret)
    }

    @Command
    fun sign(invoke: Invoke) {
        val args = invoke.parseArgs(SignArgs::class.java)
        val data = bytesArg(invoke, args.data, "data") ?: return
        val host = activity as? FragmentActivity
        if (host == null) {
            fail(invoke, ErrorCode.INTERNAL, "the activity cannot show a BiometricPrompt")
            return
        }
        val key = keyStore().getKey(args.alias, null) as? PrivateKey
        if (key == null) {
            fail(invoke, ErrorCode.KEY_NOT_FOUND, "no key '${args.alias}'")
            return
        }
        val signature = Signature.getInstance("SHA256withECDSA")
        try {
            // Allowed before authentication; the prompt then unlocks exactly
            // this operation.
            signature.initSign(key)
        } catch (e: KeyPermanentlyInvalidatedException) {
            fail(invoke, ErrorCode.KEY_INVALIDATED, "the biometrics changed since the key was made; enroll again")
            return
        } catch (e: Exception) {
            fail(invoke, ErrorCode.INTERNAL, "cannot use the key: $e")
            return
        }
        val callback = object : BiometricPrompt.AuthenticationCallback() {
            override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) {
                val unlocked = result.cryptoObject?.signature
                if (unlocked == null) {
                    fail(invoke, ErrorCode.INTERNAL, "the prompt returned no signature")
                    return
                }
                try {
                    unlocked.update(data)
                    val ret = JSObject()
                    ret.put("signature", b64(unlocked.sign()))
                    invoke.resolve(ret)
                } catch (e: Exception) {
                    fail(invoke, ErrorCode.INTERNAL, "signing failed: $e")
                }
            }

            override fun onAuthenticationError(errorCode: Int, errString: CharSequence) {
                fail(invoke, promptError(errorCode), errString.toString())
            }

            // onAuthenticationFailed (a finger not recognised) is not final:
            // the prompt stays up and the user tries again.
        }
        activity.runOnUiThread {
            val info = BiometricPrompt.PromptInfo.Builder()
                .setTitle(args.prompt)
                .setNegativeButtonText(activity.getString(android.R.string.cancel))
                .setAllowedAuthenticators(BIOMETRIC_STRONG)
                .setConfirmationRequired(true)
                .build()
            // Callbacks on the worker: the signature is computed off the UI thread.
            BiometricPrompt(host, worker, callback).authenticate(info, BiometricPrompt.CryptoObject(signature))
        }
    }

    private fun promptError(code: Int): ErrorCode = when (code) {
        BiometricPrompt.ERROR_USER_CANCELED,
        BiometricPrompt.ERROR_NEGATIVE_BUTTON,
        BiometricPrompt.ERROR_CANCELED -> ErrorCode.USER_CANCEL
        BiometricPrompt.ERROR_LOCKOUT,
        BiometricPrompt.ERROR_LOCKOUT_PERMANENT -> ErrorCode.BIOMETRY_LOCKOUT
        BiometricPrompt.ERROR_NO_BIOMETRICS -> ErrorCode.BIOMETRY_NOT_ENROLLED
        BiometricPrompt.ERROR_HW_NOT_PRESENT,
        BiometricPrompt.ERROR_HW_UNAVAILABLE,
        BiometricPrompt.ERROR_SECURITY_UPDATE_REQUIRED -> ErrorCode.HARDWARE_UNAVAILABLE
        BiometricPrompt.ERROR_TIMEOUT,
        BiometricPrompt.ERROR_UNABLE_TO_PROCESS -> ErrorCode.AUTHENTICATION_FAILED
        else -> ErrorCode.INTERNAL
    }

    @Command
    fun deleteKey(invoke: Invoke) {
        val args = invoke.parseArgs(DeleteKeyArgs::class.java)
        try {
            // No error when there is no such entry.
            keyStore().deleteEntry(args.alias)
            invoke.resolve()
        } catch (e: Exception) {
            fail(invoke, ErrorCode.INTERNAL, "cannot delete the key: $e")
        }
    }

    /**
     * The AES-256-GCM key under [alias] that wraps the app's cache key: no
     * user authentication (the cache is opened at start, without a prompt),
     * randomized encryption, StrongBox first. Null when there is none and
     * [create] is false; IllegalStateException when the alias is another
     * kind of key (the signing key).
     */
    private fun wrappingKey(alias: String, create: Boolean): SecretKey? {
        val ks = keyStore()
        if (ks.containsAlias(alias)) {
            return ks.getKey(alias, null) as? SecretKey
                ?: throw IllegalStateException("'$alias' is a signing key, not a wrapping key")
        }
        if (!create) return null
        val gen = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
        fun wrapSpec(strongBox: Boolean): KeyGenParameterSpec =
            KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setKeySize(256)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setRandomizedEncryptionRequired(true)
                .setIsStrongBoxBacked(strongBox)
                .build()
        if (hasStrongBox()) {
            try {
                gen.init(wrapSpec(true))
                return gen.generateKey()
            } catch (e: StrongBoxUnavailableException) {
                // The TEE below.
            }
        }
        gen.init(wrapSpec(false))
        return gen.generateKey()
    }

    @Command
    fun wrapKey(invoke: Invoke) {
        val args = invoke.parseArgs(WrapKeyArgs::class.java)
        val data = bytesArg(invoke, args.data, "data") ?: return
        worker.execute {
            try {
                val key = wrappingKey(args.alias, true)!!
                val cipher = Cipher.getInstance("AES/GCM/NoPadding")
                // The keystore picks the IV (randomized encryption).
                cipher.init(Cipher.ENCRYPT_MODE, key)
                cipher.updateAAD(args.alias.toByteArray())
                val sealed = cipher.iv + cipher.doFinal(data)
                val ret = JSObject()
                ret.put("wrapped", b64(sealed))
                invoke.resolve(ret)
            } catch (e: IllegalStateException) {
                fail(invoke, ErrorCode.INVALID_ARGUMENT, e.message ?: "not a wrapping key")
            } catch (e: Exception) {
                fail(invoke, ErrorCode.INTERNAL, "wrapping failed: $e")
            }
        }
    }

    @Command
    fun unwrapKey(invoke: Invoke) {
        val args = invoke.parseArgs(UnwrapKeyArgs::class.java)
        val sealed = bytesArg(invoke, args.wrapped, "wrapped") ?: return
        worker.execute {
            try {
                val key = wrappingKey(args.alias, false)
                if (key == null) {
                    fail(invoke, ErrorCode.KEY_NOT_FOUND, "no wrapping key '${args.alias}'")
                    return@execute
                }
                val cipher = Cipher.getInstance("AES/GCM/NoPadding")
                cipher.init(
                    Cipher.DECRYPT_MODE, key,
                    GCMParameterSpec(GCM_TAG_BITS, sealed.copyOfRange(0, GCM_IV)),
                )
                cipher.updateAAD(args.alias.toByteArray())
                val data = cipher.doFinal(sealed.copyOfRange(GCM_IV, sealed.size))
                val ret = JSObject()
                ret.put("data", b64(data))
                invoke.resolve(ret)
            } catch (e: AEADBadTagException) {
                fail(invoke, ErrorCode.INVALID_ARGUMENT, "the wrapped secret was altered or wrapped by another key")
            } catch (e: KeyPermanentlyInvalidatedException) {
                fail(invoke, ErrorCode.KEY_INVALIDATED, "the wrapping key is no longer usable")
            } catch (e: IllegalStateException) {
                fail(invoke, ErrorCode.INVALID_ARGUMENT, e.message ?: "not a wrapping key")
            } catch (e: Exception) {
                fail(invoke, ErrorCode.INTERNAL, "unwrapping failed: $e")
            }
        }
    }
}
