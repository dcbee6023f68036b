//! A covering index for the fund utilization rollups: one county-year's (or a province's)
//! sums are read from the index alone, without touching the ledger's rows.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    Year,
    CountyCode,
    FundLineId,
    Kind,
    EntryDate,
    AmountFen,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_rollup")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::Year)
                    .col(LedgerEntry::CountyCode)
                    .col(LedgerEntry::FundLineId)
                    .col(LedgerEntry::Kind)
                    .col(LedgerEntry::EntryDate)
                    .col(LedgerEntry::AmountFen)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_ledger_rollup")
                    .table(LedgerEntry::Table)
                    .to_owned(),
            )
            .await
    }
}
