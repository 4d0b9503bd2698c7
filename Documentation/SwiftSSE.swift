// The package-wide documentation catalog (SwiftSSE.docc) lives in this docs-only target.
