// The iOS side of tauri-plugin-kyso-keystore: a P-256 key in the Secure
// Enclave, usable only after Face ID / Touch ID with the biometrics enrolled
// when it was made, and a second Secure Enclave key (no prompt) whose ECIES
// wraps the app's cache key. The contract (command names, argument fields, answers,
// error codes) is defined in src/models.rs and src/error.rs and checked
// against this file by the plugin's contract test.

import CryptoKit
import DeviceCheck
import Foundation
import LocalAuthentication
import Security
import SwiftRs
import Tauri
import UIKit
import WebKit

/// The closed set of error codes; the only values `fail` sends.
enum ErrorCode: String {
  case userCancel
  case authenticationFailed
  case biometryNotEnrolled
  case biometryLockout
  case keyInvalidated
  case keyNotFound
  case keyExists
  case hardwareUnavailable
  case wrongPassphrase
  case invalidArgument
  case `internal`
}

/// The Secure Enclave is reported as the trusted environment.
let secureEnclaveLevel = "trustedEnvironment"

struct GenerateKeyArgs: Decodable {
  let alias: String
  let attestationChallenge: String
}

struct PublicKeyArgs: Decodable {
  let alias: String
}

struct SignArgs: Decodable {
  let alias: String
  let data: String
  let prompt: String
}

struct DeleteKeyArgs: Decodable {
  let alias: String
}

struct WrapKeyArgs: Decodable {
  let alias: String
  let data: String
}

struct UnwrapKeyArgs: Decodable {
  let alias: String
  let wrapped: String
}

struct StatusAnswer: Encodable {
  let available: Bool
  let securityLevel: String
  let reason: String?
}

struct AppAttestAnswer: Encodable {
  let keyId: String
  let attestation: String
  let assertion: String
}

struct GeneratedKeyAnswer: Encodable {
  let publicKey: String
  let securityLevel: String
  let attestationChain: [String]
  let appAttest: AppAttestAnswer?
}

struct PublicKeyAnswer: Encodable {
  let publicKey: String
}

struct SignatureAnswer: Encodable {
  let signature: String
}

struct WrappedAnswer: Encodable {
  let wrapped: String
}

struct UnwrappedAnswer: Encodable {
  let data: String
}

/// ECIES with the Secure Enclave key: an ephemeral P-256 key, X9.63 KDF with
/// SHA-256, AES-GCM with a variable IV.
let wrapAlgorithm = SecKeyAlgorithm.eciesEncryptionCofactorVariableIVX963SHA256AESGCM

/// DER SubjectPublicKeyInfo header of a P-256 key (id-ecPublicKey,
/// secp256r1, BIT STRING of 66 bytes); the 65-byte X9.63 point follows.
let p256SpkiHeader = Data([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
  0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
])

class KeystorePlugin: Plugin {
  private func fail(_ invoke: Invoke, _ code: ErrorCode, _ message: String) {
    invoke.reject(message, code: code.rawValue)
  }

  /// Decodes a base64 argument, or rejects the call with invalidArgument and
  /// returns nil (the twin of the Kotlin plugin's bytesArg).
  private func bytesArg(_ invoke: Invoke, _ value: String, _ name: String) -> Data? {
    guard let bytes = Data(base64Encoded: value) else {
      fail(invoke, .invalidArgument, "\(name) is not base64")
      return nil
    }
    return bytes
  }

  private func tag(_ alias: String) -> Data {
    return Data("app.kyso.keystore.\(alias)".utf8)
  }

  private func stateKey(_ alias: String) -> String {
    return "app.kyso.keystore.biometry.\(alias)"
  }

  private func findKey(_ alias: String, context: LAContext?) -> SecKey? {
    var query: [String: Any] = [
      kSecClass as String: kSecClassKey,
      kSecAttrApplicationTag as String: tag(alias),
      kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
      kSecReturnRef as String: true,
    ]
    if let context = context {
      query[kSecUseAuthenticationContext as String] = context
    }
    var item: CFTypeRef?
    guard SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess, let found = item
    else { return nil }
    return (found as! SecKey)
  }

  private func spki(_ privateKey: SecKey) -> Data? {
    var error: Unmanaged<CFError>?
    guard let pub = SecKeyCopyPublicKey(privateKey),
      let point = SecKeyCopyExternalRepresentation(pub, &error) as Data?
    else { return nil }
    return p256SpkiHeader + point
  }

  /// Why biometrics cannot be used now, or nil when they can.
  private func biometryProblem() -> (ErrorCode, String)? {
    let context = LAContext()
    var error: NSError?
    if context.canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: &error) {
      return nil
    }
    let message = error?.localizedDescription ?? "biometrics are not available"
    switch LAError.Code(rawValue: error?.code ?? 0) {
    case .biometryNotEnrolled?: return (.biometryNotEnrolled, message)
    case .biometryLockout?: return (.biometryLockout, message)
    default: return (.hardwareUnavailable, message)
    }
  }

  /// The current enrolled-biometrics state; it changes when a finger or a
  /// face is added or removed, which is when `.biometryCurrentSet` keys die.
  private func biometryState() -> Data? {
    let context = LAContext()
    var error: NSError?
    _ = context.canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: &error)
    return context.evaluatedPolicyDomainState
  }

  @objc public func status(_ invoke: Invoke) {
    var problem = biometryProblem()
    if problem == nil && !SecureEnclave.isAvailable {
      problem = (.hardwareUnavailable, "this device has no Secure Enclave")
    }
    invoke.resolve(
      StatusAnswer(
        available: problem == nil, securityLevel: secureEnclaveLevel, reason: problem?.0.rawValue))
  }

  @objc public func generateKey(_ invoke: Invoke) throws {
    let args = try invoke.parseArgs(GenerateKeyArgs.self)
    guard let challenge = bytesArg(invoke, args.attestationChallenge, "attestationChallenge")
    else { return }
    if let problem = biometryProblem() {
      return fail(invoke, problem.0, problem.1)
    }
    guard SecureEnclave.isAvailable else {
      return fail(invoke, .hardwareUnavailable, "this device has no Secure Enclave")
    }
    if findKey(args.alias, context: nil) != nil {
      return fail(invoke, .keyExists, "there is already a key '\(args.alias)'")
    }
    var error: Unmanaged<CFError>?
    guard
      let access = SecAccessControlCreateWithFlags(
        kCFAllocatorDefault, kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
        [.privateKeyUsage, .biometryCurrentSet], &error)
    else {
      return fail(invoke, .internal, "access control: \(describe(error))")
    }
    let attributes: [String: Any] = [
      kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
      kSecAttrKeySizeInBits as String: 256,
      kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
      kSecPrivateKeyAttrs as String: [
        kSecAttrIsPermanent as String: true,
        kSecAttrApplicationTag as String: tag(args.alias),
        kSecAttrAccessControl as String: access,
      ],
    ]
    guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
      return fail(invoke, .internal, "key generation failed: \(describe(error))")
    }
    guard let publicKey = spki(key) else {
      return fail(invoke, .internal, "cannot read the new public key")
    }
    if let state = biometryState() {
      UserDefaults.standard.set(state, forKey: stateKey(args.alias))
    }
    // App Attest binds the enrollment to this app on a genuine device:
    // client data = SHA-256(challenge ‖ SubjectPublicKeyInfo).
    let clientDataHash = Data(SHA256.hash(data: challenge + publicKey))
    appAttest(clientDataHash) { attest in
      invoke.resolve(
        GeneratedKeyAnswer(
          publicKey: publicKey.base64EncodedString(), securityLevel: secureEnclaveLevel,
          attestationChain: [], appAttest: attest))
    }
  }

  /// A fresh App Attest key, its attestation and an assertion over
  /// `clientDataHash`; nil where App Attest is unsupported or fails (the
  /// gateway's policy decides whether that is acceptable).
  private func appAttest(_ clientDataHash: Data, done: @escaping (AppAttestAnswer?) -> Void) {
    let service = DCAppAttestService.shared
    guard service.isSupported else { return done(nil) }
    service.generateKey { keyId, error in
      guard let keyId = keyId, error == nil else { return done(nil) }
      service.attestKey(keyId, clientDataHash: clientDataHash) { attestation, error in
        guard let attestation = attestation, error == nil else { return done(nil) }
        service.generateAssertion(keyId, clientDataHash: clientDataHash) { assertion, error in
          guard let assertion = assertion, error == nil else { return done(nil) }
          done(
            AppAttestAnswer(
              keyId: keyId, attestation: attestation.base64EncodedString(),
              assertion: assertion.base64EncodedString()))
        }
      }
    }
  }

  @objc public func publicKey(_ invoke: Invoke) throws {
    let args = try invoke.parseArgs(PublicKeyArgs.self)
    guard let key = findKey(args.alias, context: nil) else {
      return fail(invoke, .keyNotFound, "no key '\(args.alias)'")
    }
    guard let publicKey = spki(key) else {
      return fail(invoke, .internal, "cannot read the public key")
    }
    invoke.resolve(PublicKeyAnswer(publicKey: publicKey.base64EncodedString()))
  }

  @objc public func sign(_ invoke: Invoke) throws {
    let args = try invoke.parseArgs(SignArgs.self)
    guard let data = bytesArg(invoke, args.data, "data") else { return }
    // The context carries the prompt; the Secure Enclave asks for Face ID /
    // Touch ID when the key is used, and only for this one signature.
    let context = LAContext()
    context.localizedReason = args.prompt
    context.touchIDAuthenticationAllowableReuseDuration = 0
    guard let key = findKey(args.alias, context: context) else {
      return fail(invoke, .keyNotFound, "no key '\(args.alias)'")
    }
    if let saved = UserDefaults.standard.data(forKey: stateKey(args.alias)),
      let now = biometryState(), saved != now
    {
      return fail(
        invoke, .keyInvalidated, "the biometrics changed since the key was made; enroll again")
    }
    var error: Unmanaged<CFError>?
    guard
      let signature = SecKeyCreateSignature(
        key, .ecdsaSignatureMessageX962SHA256, data as CFData, &error) as Data?
    else {
      let nsError = error.map { $0.takeRetainedValue() as Error as NSError }
      return fail(invoke, signError(nsError), nsError?.localizedDescription ?? "signing failed")
    }
    invoke.resolve(SignatureAnswer(signature: signature.base64EncodedString()))
  }

  private func signError(_ error: NSError?) -> ErrorCode {
    guard let error = error else { return .internal }
    if error.domain == LAErrorDomain {
      switch LAError.Code(rawValue: error.code) {
      case .userCancel?, .appCancel?, .systemCancel?: return .userCancel
      case .authenticationFailed?: return .authenticationFailed
      case .biometryLockout?: return .biometryLockout
      case .biometryNotEnrolled?: return .biometryNotEnrolled
      case .biometryNotAvailable?: return .hardwareUnavailable
      default: return .internal
      }
    }
    switch OSStatus(truncatingIfNeeded: error.code) {
    case errSecUserCanceled: return .userCancel
    case errSecAuthFailed: return .authenticationFailed
    case errSecItemNotFound: return .keyNotFound
    default: return .internal
    }
  }

  @objc public func deleteKey(_ invoke: Invoke) throws {
    let args = try invoke.parseArgs(DeleteKeyArgs.self)
    let query: [String: Any] = [
      kSecClass as String: kSecClassKey,
      kSecAttrApplicationTag as String: tag(args.alias),
    ]
    let status = SecItemDelete(query as CFDictionary)
    UserDefaults.standard.removeObject(forKey: stateKey(args.alias))
    guard status == errSecSuccess || status == errSecItemNotFound else {
      return fail(invoke, .internal, "cannot delete the key (OSStatus \(status))")
    }
    invoke.resolve()
  }
  /// The Secure Enclave key under `alias` that wraps the app's cache key:
  /// usable after the first unlock, without a prompt (`.privateKeyUsage`
  /// only), never leaving the enclave. Made when missing and `create`.
  private func wrappingKey(_ alias: String, create: Bool) -> Result<SecKey?, WrapFailure> {
    if let key = findKey(alias, context: nil) {
      return .success(key)
    }
    if !create {
      return .success(nil)
    }
    guard SecureEnclave.isAvailable else {
      return .failure(WrapFailure(code: .hardwareUnavailable, message: "this device has no Secure Enclave"))
    }
    var error: Unmanaged<CFError>?
    guard
      let access = SecAccessControlCreateWithFlags(
        kCFAllocatorDefault, kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        [.privateKeyUsage], &error)
    else {
      return .failure(WrapFailure(code: .internal, message: "access control: \(describe(error))"))
    }
    let attributes: [String: Any] = [
      kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
      kSecAttrKeySizeInBits as String: 256,
      kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
      kSecPrivateKeyAttrs as String: [
        kSecAttrIsPermanent as String: true,
        kSecAttrApplicationTag as String: tag(alias),
        kSecAttrAccessControl as String: access,
      ],
    ]
    guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
      return .failure(WrapFailure(code: .internal, message: "key generation failed: \(describe(error))"))
    }
    return .success(key)
  }

  @objc public func wrapKey(_ invoke: Invoke) throws {
    let args = try invoke.parseArgs(WrapKeyArgs.self)
    guard let data = bytesArg(invoke, args.data, "data") else { return }
    switch wrappingKey(args.alias, create: true) {
    case .failure(let f):
      return fail(invoke, f.code, f.message)
    case .success(let key):
      var error: Unmanaged<CFError>?
      guard let key = key, let pub = SecKeyCopyPublicKey(key),
        SecKeyIsAlgorithmSupported(pub, .encrypt, wrapAlgorithm),
        let wrapped = SecKeyCreateEncryptedData(pub, wrapAlgorithm, data as CFData, &error) as Data?
      else {
        return fail(invoke, .invalidArgument, "'\(args.alias)' cannot wrap: \(describe(error))")
      }
      invoke.resolve(WrappedAnswer(wrapped: wrapped.base64EncodedString()))
    }
  }

  @objc public func unwrapKey(_ invoke: Invoke) throws {
    let args = try invoke.parseArgs(UnwrapKeyArgs.self)
    guard let wrapped = bytesArg(invoke, args.wrapped, "wrapped") else { return }
    switch wrappingKey(args.alias, create: false) {
    case .failure(let f):
      return fail(invoke, f.code, f.message)
    case .success(nil):
      return fail(invoke, .keyNotFound, "no wrapping key '\(args.alias)'")
    case .success(let key?):
      var error: Unmanaged<CFError>?
      guard
        let data = SecKeyCreateDecryptedData(key, wrapAlgorithm, wrapped as CFData, &error) as Data?
      else {
        return fail(
          invoke, .invalidArgument,
          "the wrapped secret was altered or wrapped by another key: \(describe(error))")
      }
      invoke.resolve(UnwrappedAnswer(data: data.base64EncodedString()))
    }
  }
}

/// Why a wrapping key could not be had.
struct WrapFailure: Error {
  let code: ErrorCode
  let message: String
}

private func describe(_ error: Unmanaged<CFError>?) -> String {
  guard let error = error else { return "unknown error" }
  return (error.takeRetainedValue() as Error).localizedDescription
}

@_cdecl("init_plugin_kyso_keystore")
func initPlugin() -> Plugin {
  return KeystorePlugin()
}
