//! Every schema change, in order. Nothing else changes the schema (DESIGN §5).
pub use sea_orm_migration::prelude::*;

mod m20261128_000001_foundation;
mod m20261128_000002_projects;
mod m20261128_000003_funds;
mod m20261128_000004_progress;
mod m20261128_000005_login_failures;
mod m20261128_000006_rollup_index;
mod m20261128_000007_project_code_index;
mod m20261128_000008_ledger_totals;
mod m20261128_000009_fund_line_totals;
mod m20261202_000010_progress_latest_index;
mod m20261202_000011_ledger_number_index;
mod m20261203_000012_business_dates;
mod m20261203_000013_year_months;
mod m20261203_000014_plan_adjustments;
mod m20261203_000015_as_of_indexes;
mod m20261203_000016_journal_index;
mod m20261203_000017_negative_list;
mod m20261203_000018_plan_projects;
mod m20261203_000019_retention_policy;
mod m20261203_000020_rectification;
mod m20261203_000021_task_lists;
mod m20261203_000022_assessment;
mod m20261203_000023_exit_register;
mod m20261203_000024_disclosure;
mod m20261203_000025_import_runs;
mod m20261203_000026_ledger_line_day_index;
mod m20261203_000027_change_feed;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_foundation::Migration),
            Box::new(m20261128_000002_projects::Migration),
            Box::new(m20261128_000003_funds::Migration),
            Box::new(m20261128_000004_progress::Migration),
            Box::new(m20261128_000005_login_failures::Migration),
            Box::new(m20261128_000006_rollup_index::Migration),
            Box::new(m20261128_000007_project_code_index::Migration),
            Box::new(m20261128_000008_ledger_totals::Migration),
            Box::new(m20261128_000009_fund_line_totals::Migration),
            Box::new(m20261202_000010_progress_latest_index::Migration),
            Box::new(m20261202_000011_ledger_number_index::Migration),
            Box::new(m20261203_000012_business_dates::Migration),
            Box::new(m20261203_000013_year_months::Migration),
            Box::new(m20261203_000014_plan_adjustments::Migration),
            Box::new(m20261203_000015_as_of_indexes::Migration),
            Box::new(m20261203_000016_journal_index::Migration),
            Box::new(m20261203_000017_negative_list::Migration),
            Box::new(m20261203_000018_plan_projects::Migration),
            Box::new(m20261203_000019_retention_policy::Migration),
            Box::new(m20261203_000020_rectification::Migration),
            Box::new(m20261203_000021_task_lists::Migration),
            Box::new(m20261203_000022_assessment::Migration),
            Box::new(m20261203_000023_exit_register::Migration),
            Box::new(m20261203_000024_disclosure::Migration),
            Box::new(m20261203_000025_import_runs::Migration),
            Box::new(m20261203_000026_ledger_line_day_index::Migration),
            Box::new(m20261203_000027_change_feed::Migration),
        ]
    }
}
