//! Benchmarks: the round trip of small operations against a bare libzmq echo, large
//! lists, live updates, and what `zlist bench` prints.
pub mod cli;
pub mod durability;
mod echo;
pub mod large;
pub mod list_ops;
pub mod live;
pub mod measure;
mod mix;
pub mod plot;
pub mod python;
pub mod redis_baseline;
pub mod redis_process;
pub mod redis_servers;
pub mod roundtrip;
