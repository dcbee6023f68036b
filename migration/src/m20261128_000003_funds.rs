//! The fund ledger: fund lines, the append-only ledger of receipts, allocations and
//! disbursements (reversals are new entries), and the versioned annual plan.
//!
//! Amounts are integer fen (`BIGINT`) so that sums in SQL are exact on both databases.
//! An entry copies the facts it is grouped by (year, month, county, township, sector) so
//! that the utilization figures are one grouped scan of one table.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FundLine {
    Table,
    Id,
    CountyCode,
    Year,
    Name,
    Kind,
    Level,
    PlannedFen,
    PovertyTargeted,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    Id,
    Kind,
    FundLineId,
    CountyCode,
    Year,
    EntryDate,
    EntryMonth,
    AmountFen,
    ProjectId,
    TownshipCode,
    Sector,
    AllocationId,
    DocumentNo,
    IsRetention,
    ReversesId,
    Note,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum AnnualPlan {
    Table,
    Id,
    CountyCode,
    Year,
    Version,
    Status,
    ApprovedAt,
    ApprovedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AnnualPlanFund {
    Table,
    PlanId,
    FundLineId,
    PlannedFen,
}

#[derive(DeriveIden)]
enum AnnualPlanSector {
    Table,
    PlanId,
    Sector,
    TargetQuantityMilli,
    TargetProjectCount,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Project {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FundLine::Table)
                    .col(big_pk_auto(FundLine::Id))
                    .col(string_len(FundLine::CountyCode, 12))
                    .col(integer(FundLine::Year))
                    .col(string(FundLine::Name))
                    .col(string_len(FundLine::Kind, 32))
                    .col(string_len(FundLine::Level, 16))
                    .col(big_integer(FundLine::PlannedFen))
                    .col(boolean(FundLine::PovertyTargeted))
                    .col(timestamp_with_time_zone(FundLine::CreatedAt))
                    .col(timestamp_with_time_zone(FundLine::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_fund_line_county")
                            .from(FundLine::Table, FundLine::CountyCode)
                            .to(Region::Table, Region::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_fund_line_county_year_name")
                    .table(FundLine::Table)
                    .col(FundLine::CountyCode)
                    .col(FundLine::Year)
                    .col(FundLine::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LedgerEntry::Table)
                    .col(big_pk_auto(LedgerEntry::Id))
                    .col(string_len(LedgerEntry::Kind, 16))
                    .col(big_integer(LedgerEntry::FundLineId))
                    .col(string_len(LedgerEntry::CountyCode, 12))
                    .col(integer(LedgerEntry::Year))
                    .col(date(LedgerEntry::EntryDate))
                    .col(integer(LedgerEntry::EntryMonth))
                    .col(big_integer(LedgerEntry::AmountFen))
                    .col(big_integer_null(LedgerEntry::ProjectId))
                    .col(string_len_null(LedgerEntry::TownshipCode, 12))
                    .col(string_len_null(LedgerEntry::Sector, 32))
                    .col(big_integer_null(LedgerEntry::AllocationId))
                    .col(string_len_null(LedgerEntry::DocumentNo, 100))
                    .col(boolean(LedgerEntry::IsRetention).default(false))
                    .col(big_integer_null(LedgerEntry::ReversesId))
                    .col(text_null(LedgerEntry::Note))
                    .col(string_len(LedgerEntry::RecordedBy, 64))
                    .col(timestamp_with_time_zone(LedgerEntry::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_fund_line")
                            .from(LedgerEntry::Table, LedgerEntry::FundLineId)
                            .to(FundLine::Table, FundLine::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_project")
                            .from(LedgerEntry::Table, LedgerEntry::ProjectId)
                            .to(Project::Table, Project::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_allocation")
                            .from(LedgerEntry::Table, LedgerEntry::AllocationId)
                            .to(LedgerEntry::Table, LedgerEntry::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_reverses")
                            .from(LedgerEntry::Table, LedgerEntry::ReversesId)
                            .to(LedgerEntry::Table, LedgerEntry::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // An entry is reversed at most once.
        manager
            .create_index(
                Index::create()
                    .name("uq_ledger_reverses")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::ReversesId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_ledger_county_year",
                vec![LedgerEntry::CountyCode, LedgerEntry::Year, LedgerEntry::Kind],
            ),
            ("idx_ledger_line", vec![LedgerEntry::FundLineId, LedgerEntry::Kind]),
            ("idx_ledger_project", vec![LedgerEntry::ProjectId, LedgerEntry::Kind]),
            ("idx_ledger_allocation", vec![LedgerEntry::AllocationId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(LedgerEntry::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AnnualPlan::Table)
                    .col(big_pk_auto(AnnualPlan::Id))
                    .col(string_len(AnnualPlan::CountyCode, 12))
                    .col(integer(AnnualPlan::Year))
                    .col(integer(AnnualPlan::Version))
                    .col(string_len(AnnualPlan::Status, 16))
                    .col(timestamp_with_time_zone_null(AnnualPlan::ApprovedAt))
                    .col(string_len_null(AnnualPlan::ApprovedBy, 64))
                    .col(timestamp_with_time_zone(AnnualPlan::CreatedAt))
                    .col(timestamp_with_time_zone(AnnualPlan::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_annual_plan_county")
                            .from(AnnualPlan::Table, AnnualPlan::CountyCode)
                            .to(Region::Table, Region::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_annual_plan_version")
                    .table(AnnualPlan::Table)
                    .col(AnnualPlan::CountyCode)
                    .col(AnnualPlan::Year)
                    .col(AnnualPlan::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnnualPlanFund::Table)
                    .col(big_integer(AnnualPlanFund::PlanId))
                    .col(big_integer(AnnualPlanFund::FundLineId))
                    .col(big_integer(AnnualPlanFund::PlannedFen))
                    .primary_key(
                        Index::create()
                            .col(AnnualPlanFund::PlanId)
                            .col(AnnualPlanFund::FundLineId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_fund_plan")
                            .from(AnnualPlanFund::Table, AnnualPlanFund::PlanId)
                            .to(AnnualPlan::Table, AnnualPlan::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_fund_line")
                            .from(AnnualPlanFund::Table, AnnualPlanFund::FundLineId)
                            .to(FundLine::Table, FundLine::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnnualPlanSector::Table)
                    .col(big_integer(AnnualPlanSector::PlanId))
                    .col(string_len(AnnualPlanSector::Sector, 32))
                    .col(big_integer(AnnualPlanSector::TargetQuantityMilli))
                    .col(integer(AnnualPlanSector::TargetProjectCount))
                    .primary_key(
                        Index::create()
                            .col(AnnualPlanSector::PlanId)
                            .col(AnnualPlanSector::Sector),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_sector_plan")
                            .from(AnnualPlanSector::Table, AnnualPlanSector::PlanId)
                            .to(AnnualPlan::Table, AnnualPlan::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AnnualPlanSector::Table.into_iden(),
            AnnualPlanFund::Table.into_iden(),
            AnnualPlan::Table.into_iden(),
            LedgerEntry::Table.into_iden(),
            FundLine::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
