//! sea-orm entities: the tables as rows. They carry no rules and no GraphQL types;
//! enumerations are text columns parsed by `tracker::domain`.
pub mod annual_plan;
pub mod annual_plan_fund;
pub mod annual_plan_sector;
pub mod app_user;
pub mod audit_entry;
pub mod construction_total;
pub mod department;
pub mod fund_line;
pub mod fund_line_total;
pub mod ledger_entry;
pub mod ledger_total;
pub mod login_failure;
pub mod progress_report;
pub mod project;
pub mod project_event;
pub mod project_village;
pub mod region;
