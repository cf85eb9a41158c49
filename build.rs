//! Link settings for the binaries: packed relocations on GNU/Linux, when the C
//! library the binary is linked against can load them.

/// Set (to anything but `0`) for a build meant to run on older systems (the Debian
/// package): no packed relocations, so glibc 2.35 (Ubuntu 22.04) starts it.
const PORTABLE: &str = "WEEKLY_POSTMORTEM_PORTABLE";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={PORTABLE}");
    println!("cargo:rerun-if-env-changed=CC");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target_os != "linux" || target_env != "gnu" || portable() {
        return;
    }
    // The binary is position-independent, and the loader reads its whole table of
    // relative relocations at start: 57,000 entries of 24 bytes, 1.3 MiB that stayed
    // resident for the daemon's life. Packed (DT_RELR) the table takes a few KiB. But a
    // binary linked with them needs `GLIBC_ABI_DT_RELR` (glibc 2.36) to start at all:
    // built on Ubuntu 22.04 (glibc 2.35), it linked and then refused to run. So the C
    // library the linker will use decides, not the host's `ldd`.
    match libc_defines_dt_relr() {
        Some(true) => println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs"),
        Some(false) => {}
        None => println!(
            "cargo:warning=could not find the C library to link against; building without packed relocations"
        ),
    }
}

fn portable() -> bool {
    std::env::var(PORTABLE).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Whether the `libc.so.6` the C compiler links against defines the version
/// `GLIBC_ABI_DT_RELR`; `None` when it cannot be found.
fn libc_defines_dt_relr() -> Option<bool> {
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let output = std::process::Command::new(compiler)
        .arg("-print-file-name=libc.so.6")
        .output()
        .ok()?;
    let path = String::from_utf8(output.stdout).ok()?;
    let path = std::path::Path::new(path.trim());
    // Without the file, the compiler prints the bare name back.
    if !path.is_absolute() {
        return None;
    }
    println!("cargo:rerun-if-changed={}", path.display());
    let bytes = std::fs::read(path).ok()?;
    let needle = b"GLIBC_ABI_DT_RELR";
    Some(bytes.windows(needle.len()).any(|w| w == needle))
}
