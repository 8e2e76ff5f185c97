// PLACEHOLDER: Package.swift declares the CLITests target; the CLI work adds its tests here.
// SwiftPM refuses a test target without a source file, so this keeps `swift build --build-tests` working.
