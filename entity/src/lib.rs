//! sea-orm entities: the tables as rows. They carry no rules and no GraphQL types;
//! enumerations are text columns parsed by `tracker::domain`.
pub mod app_user;
pub mod audit_entry;
pub mod department;
pub mod project;
pub mod project_event;
pub mod project_village;
pub mod region;
