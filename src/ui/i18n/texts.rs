//! The plain strings the app shows, as one struct: each language ([`super::PT_BR`],
//! [`super::EN`]) is one value of it, so the compiler checks that both have every string.

use crate::ui::shortcuts::{RowKey, Shortcut};

/// Every plain UI string of one language.
#[derive(Debug)]
pub struct Texts {
    /// Menu: File.
    pub menu_file: &'static str,
    /// Menu: View.
    pub menu_view: &'static str,
    /// Menu: Help.
    pub menu_help: &'static str,
    /// Export the list.
    pub export: &'static str,
    /// File -> Import... (and the file dialog's title).
    pub import: &'static str,
    /// The import dialog's title.
    pub import_title: &'static str,
    /// The import dialog's format row.
    pub import_format: &'static str,
    /// The CSV column picker.
    pub import_column: &'static str,
    /// The CSV header checkbox.
    pub import_header: &'static str,
    /// The checkbox that imports a file's good lines and skips its bad ones.
    pub import_skip_bad: &'static str,
    /// The import dialog's button.
    pub import_start: &'static str,
    /// Export tooltip.
    pub export_tip: &'static str,
    /// Export as plain text.
    pub export_text: &'static str,
    /// Export as CSV.
    pub export_csv: &'static str,
    /// Export as JSON.
    pub export_json: &'static str,
    /// Export cancelled.
    pub export_cancelled: &'static str,
    /// Quit.
    pub quit: &'static str,
    /// Console visibility toggle.
    pub show_console: &'static str,
    /// Theme menu.
    pub theme: &'static str,
    /// Follow the OS theme.
    pub theme_system: &'static str,
    /// Light theme.
    pub theme_light: &'static str,
    /// The status history plot of requests per second.
    pub history_requests_per_second: &'static str,
    /// The status history plots' time axis.
    pub history_seconds: &'static str,
    /// Dark theme.
    pub theme_dark: &'static str,
    /// The View menu's zoom row.
    pub zoom: &'static str,
    /// Zoom in (tooltip, help).
    pub zoom_in: &'static str,
    /// Zoom out (tooltip, help).
    pub zoom_out: &'static str,
    /// Back to 100 % (tooltip, help).
    pub zoom_reset: &'static str,
    /// Language menu.
    pub language: &'static str,
    /// Follow the OS language.
    pub language_auto: &'static str,
    /// Shortcuts window title.
    pub shortcuts: &'static str,
    /// About window title.
    pub about: &'static str,
    /// Help menu: open the folder of the app's log files.
    pub open_log_folder: &'static str,
    /// About text.
    pub about_text: &'static str,
    /// Close a window.
    pub close: &'static str,
    /// Request settings menu entry.
    pub request_settings: &'static str,
    /// Timeout per try.
    pub timeout_label: &'static str,
    /// Tries per request.
    pub tries_label: &'static str,
    /// Applies on the next connect.
    pub applies_next_connect: &'static str,

    /// The endpoint field's label.
    pub server_label: &'static str,
    /// The endpoint field's tooltip.
    pub endpoint_tip: &'static str,
    /// The tooltip of the status line's server in use (several servers).
    pub server_in_use_tip: &'static str,
    /// Recent endpoints menu.
    pub recent: &'static str,
    /// Recent endpoints tooltip.
    pub recent_tip: &'static str,
    /// Nothing in the recent list.
    pub recent_empty: &'static str,
    /// Connect.
    pub connect: &'static str,
    /// Connect tooltip.
    pub connect_tip: &'static str,
    /// Disconnect.
    pub disconnect: &'static str,
    /// Disconnect tooltip.
    pub disconnect_tip: &'static str,
    /// No client running.
    pub state_idle: &'static str,
    /// Connecting.
    pub state_connecting: &'static str,
    /// Connected.
    pub state_connected: &'static str,
    /// Connection lost.
    pub state_lost: &'static str,
    /// libzmq retrying.
    pub state_retrying: &'static str,
    /// ZMTP handshake failed.
    pub state_handshake_failed: &'static str,
    /// Authentication refused.
    pub state_auth_failed: &'static str,
    /// The token field's label.
    pub token_label: &'static str,
    /// The token field's hint.
    pub token_hint: &'static str,
    /// The token field's tooltip.
    pub token_tip: &'static str,
    /// The CURVE server key field's label.
    pub server_key_label: &'static str,
    /// Its hint when empty.
    pub server_key_hint: &'static str,
    /// Its tooltip, when this build can encrypt.
    pub server_key_tip: &'static str,
    /// The client key file field's label (View menu).
    pub key_file_label: &'static str,
    /// Its tooltip.
    pub key_file_tip: &'static str,
    /// Prefix of the error for a server key or key file that cannot be used.
    pub curve_key_error: &'static str,
    /// The About window's line on encryption (every build has it).
    pub curve_available_line: &'static str,
    /// The status light's accessible name.
    pub status_light: &'static str,
    /// A zlist server answered.
    pub server_zlist: &'static str,
    /// A seed-only server answered.
    pub server_seed: &'static str,
    /// Round-trip tooltip.
    pub round_trip_tip: &'static str,
    /// The list follows the server live.
    pub live_on: &'static str,
    /// Its tooltip.
    pub live_on_tip: &'static str,
    /// The live list is fetching a fresh snapshot.
    pub live_syncing: &'static str,
    /// Its tooltip.
    pub live_syncing_tip: &'static str,
    /// A seed server: no live updates, the list is fetched after each change.
    pub seed_mode: &'static str,
    /// A zlist server without (reachable) live updates.
    pub live_off: &'static str,
    /// Automatic refresh setting (without live updates).
    pub auto_refresh: &'static str,
    /// Its tooltip.
    pub auto_refresh_tip: &'static str,
    /// Automatic refresh off.
    pub auto_refresh_off: &'static str,

    /// The embedded server switch.
    pub local_server: &'static str,
    /// Its tooltip.
    pub local_server_tip: &'static str,
    /// The bind address label.
    pub bind_label: &'static str,
    /// The bind address tooltip.
    pub bind_tip: &'static str,
    /// Binding every interface.
    pub bind_warning: &'static str,
    /// Shown instead of the warning when every interface is bound without a token.
    pub bind_protected: &'static str,
    /// Keep the embedded list on disk.
    pub persist: &'static str,
    /// Persist tooltip.
    pub persist_tip: &'static str,
    /// The embedded server stopped.
    pub local_server_off: &'static str,

    /// Table header: position.
    pub col_position: &'static str,
    /// Table header: value.
    pub col_value: &'static str,
    /// The list is empty.
    pub empty_list: &'static str,
    /// Nothing to show yet.
    pub no_list_yet: &'static str,
    /// The filter box hint.
    pub filter_hint: &'static str,
    /// The filter box tooltip.
    pub filter_tip: &'static str,
    /// Table accessible name.
    pub table_name: &'static str,

    /// The actions panel heading.
    pub actions_heading: &'static str,
    /// Value field label.
    pub value_label: &'static str,
    /// Value field hint.
    pub value_hint: &'static str,
    /// Position field label.
    pub position_label: &'static str,
    /// Position field hint.
    pub position_hint: &'static str,
    /// Append button.
    pub append: &'static str,
    /// Append tooltip.
    pub append_tip: &'static str,
    /// Insert button.
    pub insert: &'static str,
    /// Insert tooltip.
    pub insert_tip: &'static str,
    /// Remove button.
    pub remove: &'static str,
    /// Remove tooltip.
    pub remove_tip: &'static str,
    /// The protocol removes the first occurrence.
    pub remove_note: &'static str,
    /// Search button.
    pub search: &'static str,
    /// Search tooltip.
    pub search_tip: &'static str,
    /// Sort ascending button.
    pub sort_ascending: &'static str,
    /// Sort ascending tooltip.
    pub sort_ascending_tip: &'static str,
    /// Sort descending button.
    pub sort_descending: &'static str,
    /// Sort descending tooltip.
    pub sort_descending_tip: &'static str,
    /// Clear button.
    pub clear: &'static str,
    /// Clear tooltip.
    pub clear_tip: &'static str,
    /// Refresh button.
    pub refresh: &'static str,
    /// Refresh tooltip.
    pub refresh_tip: &'static str,
    /// Paste lines button.
    pub paste_lines: &'static str,
    /// Paste lines tooltip.
    pub paste_lines_tip: &'static str,
    /// Why a control is disabled: no connection.
    pub need_connection: &'static str,
    /// The connection bar's mark for a client admitted to read only.
    pub read_only: &'static str,
    /// Deleting rows on the seed's server that `remover` cannot hit exactly.
    pub seed_not_exact: &'static str,
    /// An edit in place or a move asked of the seed's server.
    pub needs_zlist: &'static str,
    /// The tooltip of a value being edited in place.
    pub row_edit_tip: &'static str,
    /// The warning on an edit whose row another client changed meanwhile.
    pub row_changed_under: &'static str,
    /// Why the changing actions are off with the read-only token.
    pub read_only_why: &'static str,
    /// A value is needed.
    pub need_value: &'static str,
    /// A position is needed.
    pub need_position: &'static str,
    /// The server's answer to the last search.
    pub last_search: &'static str,

    /// Clear confirmation title.
    pub clear_title: &'static str,
    /// Clear confirmation button.
    pub clear_confirm: &'static str,
    /// Cancel.
    pub cancel: &'static str,

    /// Paste window title.
    pub paste_title: &'static str,
    /// Paste window help.
    pub paste_help: &'static str,
    /// Paste box accessible name.
    pub paste_box: &'static str,
    /// Start the bulk append.
    pub paste_start: &'static str,
    /// Cancel the bulk append.
    pub paste_cancel: &'static str,

    /// Console heading.
    pub console_title: &'static str,
    /// Level filter label.
    pub console_level: &'static str,
    /// Console search hint.
    pub console_search: &'static str,
    /// Copy the console.
    pub console_copy: &'static str,
    /// Copy tooltip.
    pub console_copy_tip: &'static str,
    /// Clear the console.
    pub console_clear: &'static str,
    /// Auto-scroll toggle.
    pub console_auto_scroll: &'static str,
    /// Hide the console.
    pub console_hide: &'static str,
    /// Console line source: the client engine.
    pub source_client: &'static str,
    /// Console line source: the embedded server.
    pub source_server: &'static str,
    /// Console line source: the app.
    pub source_app: &'static str,
    /// Time column note.
    pub console_time_tip: &'static str,

    /// Menu entry that opens the server status window.
    pub server_status_menu: &'static str,
    /// The server status window's title.
    pub server_status_title: &'static str,
    /// What the window shows, and how often it asks.
    pub server_status_tip: &'static str,
    /// Ask the server for its status now.
    pub server_status_refresh: &'static str,
    /// Waiting for the first status.
    pub server_status_asking: &'static str,
    /// Status row: the server's software and version.
    pub status_server: &'static str,
    /// Status row: how long the server has been running.
    pub status_uptime: &'static str,
    /// Status row: connected clients.
    pub status_clients: &'static str,
    /// Status row: live-update subscribers.
    pub status_subscribers: &'static str,
    /// The server does not publish live updates.
    pub status_live_off: &'static str,
    /// Status row: elements in the list.
    pub status_elements: &'static str,
    /// Status row: the list's size in bytes.
    pub status_bytes: &'static str,
    /// Status row: changes since the start.
    pub status_changes: &'static str,
    /// Status row: requests answered / with an error.
    pub status_requests: &'static str,
    /// Status row: where the list is kept.
    pub status_storage: &'static str,
    /// Status row: who may connect.
    pub status_access: &'static str,

    /// Nothing happened yet.
    pub ready: &'static str,
    /// The client worker stopped.
    pub client_gone: &'static str,
    /// Disconnected by the user.
    pub disconnected: &'static str,
    /// The connection bar's mark of an encrypted connection.
    pub encrypted: &'static str,
    /// The status light while the server's key is checked before connecting.
    pub state_checking_key: &'static str,
    /// The key check ended without an answer.
    pub key_check_stopped: &'static str,
    /// The trust dialog's heading.
    pub trust_title: &'static str,
    /// The trust dialog's explanation: first contact, how to compare, what follows.
    pub trust_explain: &'static str,
    /// The trust dialog: the fingerprint's label.
    pub trust_fingerprint: &'static str,
    /// The trust dialog: the full key's label.
    pub trust_key: &'static str,
    /// The trust dialog's go-ahead button.
    pub trust_confirm: &'static str,
    /// The connection bar's button after a changed key: forget it (asks first).
    pub forget_key: &'static str,
    /// Its tooltip.
    pub forget_key_tip: &'static str,
    /// The forget confirmation's heading.
    pub forget_key_title: &'static str,
    /// The forget confirmation's go-ahead button.
    pub forget_key_confirm: &'static str,
    /// Shortcut help, first line: where Enter appends ("Enter (in the Value field)").
    pub shortcut_enter_where: &'static str,
    /// Shortcut help, first line: what Enter does there.
    pub shortcut_enter_action: &'static str,
    /// Shortcut help: what each shortcut does, in the order listed (the keys come from
    /// [`crate::ui::shortcuts::TABLE`]).
    pub shortcut_lines: &'static [(Shortcut, &'static str)],
    /// Where the table's keys work (after their keys in the help).
    pub shortcut_table_where: &'static str,
    /// What each of the table's keys does, in the help's order.
    pub row_key_lines: &'static [(RowKey, &'static str)],
    /// The Edit menu.
    pub menu_edit: &'static str,
    /// Edit -> Undo.
    pub undo: &'static str,
    /// Edit -> Redo.
    pub redo: &'static str,
    /// Why Undo is off: nothing of this app's changes to undo.
    pub nothing_to_undo: &'static str,
    /// Why Redo is off.
    pub nothing_to_redo: &'static str,
    /// Undo needs the list followed live (its changes are seen as updates).
    pub undo_needs_live: &'static str,
    /// An undo or redo waits for the bulk paste to end.
    pub undo_waits_for_paste: &'static str,
    /// An undo's or redo's request was refused: the entry is gone from the history.
    pub undo_dropped: &'static str,
    /// Edit -> Delete selected rows.
    pub delete_rows: &'static str,
    /// Edit -> Edit row.
    pub edit_row: &'static str,
    /// Edit -> Move row up.
    pub move_row_up: &'static str,
    /// Edit -> Move row down.
    pub move_row_down: &'static str,
    /// Why Move up is off on the first row.
    pub row_at_top: &'static str,
    /// Why Move down is off on the last row.
    pub row_at_bottom: &'static str,
    /// Why the row actions are off: no row selected.
    pub no_row_selected: &'static str,
}
