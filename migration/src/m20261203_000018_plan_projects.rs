//! 整合方案 by project: a plan version's rows of fund line × project × amount (a project
//! may be listed before it has money), and the mark an allocation outside the plan in
//! force carries (计划外).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnnualPlanProject {
    Table,
    Id,
    PlanId,
    ProjectId,
    FundLineId,
    PlannedFen,
}

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    OutsidePlan,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnnualPlanProject::Table)
                    .col(big_pk_auto(AnnualPlanProject::Id))
                    .col(big_integer(AnnualPlanProject::PlanId))
                    .col(big_integer(AnnualPlanProject::ProjectId))
                    .col(big_integer_null(AnnualPlanProject::FundLineId))
                    .col(big_integer_null(AnnualPlanProject::PlannedFen))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_plan_project")
                    .table(AnnualPlanProject::Table)
                    .col(AnnualPlanProject::PlanId)
                    .col(AnnualPlanProject::ProjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LedgerEntry::Table)
                    .add_column(boolean(LedgerEntry::OutsidePlan).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LedgerEntry::Table)
                    .drop_column(LedgerEntry::OutsidePlan)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AnnualPlanProject::Table).to_owned())
            .await
    }
}
