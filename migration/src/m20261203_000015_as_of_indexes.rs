//! Indexes for the money figures as of a past day: the running totals of the whole months
//! before it (by year, county and month), and the entries of its own month (by year and
//! day, then county).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    Year,
    EntryDate,
    CountyCode,
}

#[derive(DeriveIden)]
enum LedgerTotal {
    Table,
    Year,
    CountyCode,
    FundLineId,
    Kind,
    EntryMonth,
    AmountFen,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_day")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::Year)
                    .col(LedgerEntry::EntryDate)
                    .col(LedgerEntry::CountyCode)
                    .to_owned(),
            )
            .await?;
        // The totals' rollup index gives way to one with the month before the amount, so
        // that the months before a day are read from the index alone. A new name: on SQLite
        // another pooled connection may still see the old index while this one drops it.
        rollup_index(manager, "idx_ledger_total_months", true).await?;
        drop_index(manager, "idx_ledger_total_rollup").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager, "idx_ledger_day").await?;
        rollup_index(manager, "idx_ledger_total_rollup", false).await?;
        drop_index(manager, "idx_ledger_total_months").await
    }
}

async fn rollup_index(manager: &SchemaManager<'_>, name: &str, with_month: bool) -> Result<(), DbErr> {
    let mut index = Index::create();
    index
        .name(name)
        .table(LedgerTotal::Table)
        .col(LedgerTotal::Year)
        .col(LedgerTotal::CountyCode)
        .col(LedgerTotal::FundLineId)
        .col(LedgerTotal::Kind);
    if with_month {
        index.col(LedgerTotal::EntryMonth);
    }
    manager.create_index(index.col(LedgerTotal::AmountFen).to_owned()).await
}

/// Plain SQL, which both databases read alike.
async fn drop_index(manager: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
        .await
        .map(|_| ())
}
