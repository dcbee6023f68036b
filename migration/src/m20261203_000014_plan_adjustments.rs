//! Plan adjustments (计划调整): a version carries its document number (文号), the reason for
//! the adjustment and the day it was approved (its business date, which decides the plan in
//! force on a day). Approved versions get the China day (UTC+8) they were approved on.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnnualPlan {
    Table,
    DocumentNo,
    Reason,
    ApprovedOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_null(AnnualPlan::DocumentNo),
            string_null(AnnualPlan::Reason),
            date_null(AnnualPlan::ApprovedOn),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(AnnualPlan::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        let approved_day = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "((approved_at AT TIME ZONE 'UTC') + INTERVAL '8 hours')::date",
            _ => "date(approved_at, '+8 hours')",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE annual_plan SET approved_on = {approved_day} WHERE approved_at IS NOT NULL"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [AnnualPlan::DocumentNo, AnnualPlan::Reason, AnnualPlan::ApprovedOn] {
            manager
                .alter_table(Table::alter().table(AnnualPlan::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
