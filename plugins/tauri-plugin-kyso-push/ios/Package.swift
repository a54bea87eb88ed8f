// swift-tools-version:5.3

import PackageDescription

let package = Package(
  name: "tauri-plugin-kyso-push",
  platforms: [
    // UNNotificationPresentationOptions.banner/.list, as the keystore plugin's minimum.
    .iOS(.v14)
  ],
  products: [
    .library(
      name: "tauri-plugin-kyso-push",
      type: .static,
      targets: ["tauri-plugin-kyso-push"])
  ],
  dependencies: [
    .package(name: "Tauri", path: "../.tauri/tauri-api")
  ],
  targets: [
    .target(
      name: "tauri-plugin-kyso-push",
      dependencies: [
        .byName(name: "Tauri")
      ],
      path: "Sources")
  ]
)
