//! The API's integration tests, in one binary: each module drives the real HTTP server.
mod auth;
mod directory;
mod helpers;
mod limits;
mod schema;
mod users;
