//! zlist: a list shared over ZeroMQ.
pub mod net;
