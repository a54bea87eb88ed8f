// swift-tools-version:5.3

import PackageDescription

let package = Package(
  name: "tauri-plugin-kyso-keystore",
  platforms: [
    // App Attest (DeviceCheck's DCAppAttestService) needs iOS 14.
    .iOS(.v14)
  ],
  products: [
    .library(
      name: "tauri-plugin-kyso-keystore",
      type: .static,
      targets: ["tauri-plugin-kyso-keystore"])
  ],
  dependencies: [
    .package(name: "Tauri", path: "../.tauri/tauri-api")
  ],
  targets: [
    .target(
      name: "tauri-plugin-kyso-keystore",
      dependencies: [
        .byName(name: "Tauri")
      ],
      path: "Sources")
  ]
)
