//! Everything that differs between Windows, macOS and Linux, in one place: the app's
//! console on Windows, whether a desktop can be reached, the folder for log files, opening
//! a folder in the file manager, and glibc's allocator trim for the benchmarks.
//!
//! Every `cfg(windows)` / `cfg(target_os = ...)` branch of zlist lives here, so that the
//! CI builds on the three systems compile each of them.

use std::path::{Path, PathBuf};

/// On Windows, `zlist` is a console program so that `zlist server` in a terminal prints its
/// log and the terminal waits for it. Double-clicked, Windows gives it a console of its own:
/// the window then lets that console go, so no empty console window stays open. Does
/// nothing elsewhere.
pub fn release_own_console() {
    #[cfg(windows)]
    #[allow(unsafe_code)]
    {
        use windows_sys::Win32::System::Console::{FreeConsole, GetConsoleProcessList};
        let mut processes = [0_u32; 2];
        // SAFETY: the buffer is valid for the length passed.
        let attached = unsafe { GetConsoleProcessList(processes.as_mut_ptr(), 2) };
        if attached == 1 {
            // Only this process uses the console: it was made for us, not a terminal's.
            // SAFETY: no preconditions; failure leaves the console as it was.
            unsafe { FreeConsole() };
        }
    }
}

/// Why no window can be opened, when that is known before trying (Linux and the BSDs
/// without `DISPLAY` or `WAYLAND_DISPLAY`).
pub fn missing_display() -> Option<&'static str> {
    let unix_desktop = cfg!(all(
        unix,
        not(target_os = "macos"),
        not(target_os = "ios"),
        not(target_os = "android")
    ));
    let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    (unix_desktop && !set("DISPLAY") && !set("WAYLAND_DISPLAY"))
        .then_some("neither DISPLAY nor WAYLAND_DISPLAY is set")
}

/// Where the app writes its log files: `logs` in the platform's local data folder
/// (`~/.local/share/zlist/logs` on Linux, `~/Library/Application Support/zlist/logs` on
/// macOS, `%LOCALAPPDATA%\zlist\data\logs` on Windows); `None` without a home folder.
pub fn log_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "zlist").map(|dirs| dirs.data_local_dir().join("logs"))
}

/// Opens a folder in the system's file manager (Explorer, Finder, or the desktop's own
/// through `xdg-open`), without waiting for it.
pub fn open_folder(path: &Path) -> std::io::Result<()> {
    let program = if cfg!(windows) {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let mut child = std::process::Command::new(program)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    // Reap it when it exits, so that no zombie is left behind; the file manager itself
    // lives on (xdg-open and open return at once; explorer may stay).
    std::thread::Builder::new()
        .name("zlist-open-folder".to_owned())
        .spawn(move || child.wait())
        .map(drop)
}

/// Hands the memory the allocator holds free back to the system where it can (glibc's
/// `malloc_trim`; nothing elsewhere), so that a growth of resident memory measured next
/// counts new allocations rather than reused free ones.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim takes a plain integer, touches only the allocator's
        // own free memory under its locks, and may be called from any thread at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_go_to_a_logs_folder_of_zlist() {
        if let Some(dir) = log_dir() {
            assert!(dir.ends_with("logs"), "{}", dir.display());
            assert!(dir.to_string_lossy().to_lowercase().contains("zlist"));
        }
    }

    #[test]
    fn releasing_free_memory_is_harmless() {
        let big = vec![1_u8; 8 << 20];
        drop(std::hint::black_box(big));
        release_free_memory();
    }
}
