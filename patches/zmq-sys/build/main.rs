//! Builds the bundled libzmq 4.3.4 (zeromq-src) with CURVE, against the static libsodium
//! that libsodium-sys-stable built (its `links = "sodium"` metadata gives where).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build/main.rs");
    println!("cargo:rerun-if-env-changed=PROFILE");

    // Build-script invariants: cargo sets these for a dependency with `links = "sodium"`
    // and for every build script (OUT_DIR).
    let include = PathBuf::from(env::var("DEP_SODIUM_INCLUDE").expect("libsodium-sys-stable's include dir"));
    let lib = PathBuf::from(env::var("DEP_SODIUM_LIB").expect("libsodium-sys-stable's lib dir"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));

    let target = env::var("TARGET").unwrap_or_default();
    let include = if target.contains("msvc") {
        msvc_layout(&include, &out)
    } else {
        include
    };

    // libzmq's own sources warn under -Wall -Wextra with a current GCC (array bounds in its
    // CURVE code that GCC cannot see through); they are not ours to fix, and cargo would
    // print every one of them on each cold build of this patched crate.
    if !target.contains("msvc") {
        env::set_var("CXXFLAGS", "-w");
    }

    zeromq_src::Build::new()
        .with_libsodium(Some(zeromq_src::LibLocation::new(lib, include)))
        .build();
}

/// On MSVC, zeromq-src copies `<include>/../../../builds/msvc/version.h` over
/// `<include>/sodium/version.h` (the layout of libsodium's source tree). The precompiled
/// libsodium that libsodium-sys-stable unpacks there already has its `version.h`, in
/// another layout: copy its headers to `OUT_DIR/sodium/x/y/include` and its `version.h` to
/// `OUT_DIR/sodium/builds/msvc/`, so that the copy finds what it expects.
fn msvc_layout(include: &Path, out: &Path) -> PathBuf {
    let root = out.join("sodium");
    let copied = root.join("x").join("y").join("include");
    copy_dir(include, &copied);
    let msvc = root.join("builds").join("msvc");
    fs::create_dir_all(&msvc).expect("creating OUT_DIR/sodium/builds/msvc");
    fs::copy(include.join("sodium").join("version.h"), msvc.join("version.h"))
        .expect("libsodium's include/sodium/version.h");
    copied
}

/// Copies a directory tree of headers.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("creating a header directory in OUT_DIR");
    for entry in fs::read_dir(from).expect("reading libsodium's include dir") {
        let entry = entry.expect("reading libsodium's include dir");
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            fs::copy(&path, &dest).expect("copying a libsodium header");
        }
    }
}
