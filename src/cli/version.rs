//! What `zlist --version` says: the version, the git commit it was built from, and whether
//! this build can encrypt.

/// The git commit this binary was built from (`unknown` outside a git checkout).
pub const GIT_COMMIT: &str = env!("ZLIST_GIT_COMMIT");

/// The text after `zlist ` in `zlist --version`: e.g. `0.1.0 (commit 0123456789ab)` and a
/// second line on encryption.
pub fn long() -> String {
    format!(
        "{} (commit {GIT_COMMIT})\nencryption (CURVE): {}",
        env!("CARGO_PKG_VERSION"),
        if crate::net::curve::available() {
            "yes"
        } else {
            "no (a broken build: its libzmq was built without libsodium)"
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_names_the_release_the_commit_and_encryption() {
        let text = long();
        assert!(text.starts_with(env!("CARGO_PKG_VERSION")), "{text}");
        assert!(text.contains(&format!("(commit {GIT_COMMIT})")), "{text}");
        assert!(!GIT_COMMIT.is_empty());
        assert!(text.contains("encryption (CURVE): "), "{text}");
    }
}
