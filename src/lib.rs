//! zlist: a list shared over ZeroMQ.
pub mod bench;
pub mod cli;
pub mod net;
pub mod platform;
pub mod ui;
