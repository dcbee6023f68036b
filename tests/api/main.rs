//! The API's integration tests, in one binary: each module drives the real HTTP server.
mod auth;
mod directory;
mod edge;
mod exports;
mod funds;
mod fuzz;
mod generate;
mod helpers;
mod lifecycle;
mod limits;
mod permissions;
mod progress;
mod projects;
mod schema;
mod security;
mod two_servers;
mod users;
