//! 扶贫项目与资金台账 — the poverty-alleviation project and fund tracker.
//!
//! Data flows one way: `http` → `graphql` → `service` → `entity`/database, with `domain`
//! (the rules, no I/O) usable from all of them.
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod graphql;
pub mod http;
pub mod seed;
pub mod service;
pub mod startup;
pub mod telemetry;
