// swift-tools-version:6.0
//
// An example program that declares a workflow in Swift with the ETLWorkflow
// library of the etl-host checkout two folders up (see README.md).
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder (lowercased): the
// checkout may be cloned under any name.
let checkout = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "RatesWorkflow",
    dependencies: [
        .package(path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "rates-workflow",
            dependencies: [.product(name: "ETLWorkflow", package: checkout.lastPathComponent.lowercased())],
            path: "Sources/RatesWorkflow"
        ),
    ]
)
