//! The figures as of a past day, read from few rows: per fund line, kind and month, the
//! running totals of the whole months before it (`fund_line_month_total`, summed once from
//! `ledger_total`), an index for the entries of its own month (by year, month and county: an
//! equality on the month, which PostgreSQL's generic plans prefer to the year's index),
//! one for the construction figures' month rows of a region (the day rows apart), and one
//! for a project's steps without its progress reports.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    Year,
    EntryMonth,
    EntryDate,
    CountyCode,
}

#[derive(DeriveIden)]
enum FundLineMonthTotal {
    Table,
    FundLineId,
    Kind,
    EntryMonth,
    CountyCode,
    Year,
    AmountFen,
}

#[derive(DeriveIden)]
enum FundLine {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ConstructionTotal {
    Table,
    Year,
    TownshipCode,
    Day,
    CountyCode,
    Month,
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
                    .name("idx_ledger_month")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::Year)
                    .col(LedgerEntry::EntryMonth)
                    .col(LedgerEntry::CountyCode)
                    .col(LedgerEntry::EntryDate)
                    .to_owned(),
            )
            .await?;
        // The totals' rollup index gives way to one with the month before the amount, so
        // that the months before a day are read from the index alone. A new name: on SQLite
        // another pooled connection may still see the old index while this one drops it.
        rollup_index(manager, "idx_ledger_total_months", true).await?;
        drop_index(manager, "idx_ledger_total_rollup").await?;

        // A region's month rows (day 0) lie together, its few day rows apart.
        manager
            .create_index(
                Index::create()
                    .name("idx_construction_total_read")
                    .table(ConstructionTotal::Table)
                    .col(ConstructionTotal::Year)
                    .col(ConstructionTotal::TownshipCode)
                    .col(ConstructionTotal::Day)
                    .col(ConstructionTotal::CountyCode)
                    .col(ConstructionTotal::Month)
                    .to_owned(),
            )
            .await?;

        // A project's steps without its progress reports' events, which a project under
        // construction gathers by the hundred: each step reads the project's history.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_project_event_steps ON project_event (project_id, id) \
                 WHERE action <> 'REPORT_PROGRESS'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FundLineMonthTotal::Table)
                    .col(ColumnDef::new(FundLineMonthTotal::FundLineId).big_integer().not_null())
                    .col(ColumnDef::new(FundLineMonthTotal::Kind).string().not_null())
                    .col(ColumnDef::new(FundLineMonthTotal::EntryMonth).integer().not_null())
                    .col(ColumnDef::new(FundLineMonthTotal::CountyCode).string().not_null())
                    .col(ColumnDef::new(FundLineMonthTotal::Year).integer().not_null())
                    .col(ColumnDef::new(FundLineMonthTotal::AmountFen).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(FundLineMonthTotal::FundLineId)
                            .col(FundLineMonthTotal::Kind)
                            .col(FundLineMonthTotal::EntryMonth),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_fund_line_month_total_fund_line")
                            .from(FundLineMonthTotal::Table, FundLineMonthTotal::FundLineId)
                            .to(FundLine::Table, FundLine::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_fund_line_month_total_rollup")
                    .table(FundLineMonthTotal::Table)
                    .col(FundLineMonthTotal::Year)
                    .col(FundLineMonthTotal::CountyCode)
                    .col(FundLineMonthTotal::FundLineId)
                    .col(FundLineMonthTotal::Kind)
                    .col(FundLineMonthTotal::EntryMonth)
                    .col(FundLineMonthTotal::AmountFen)
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO fund_line_month_total (fund_line_id, kind, entry_month, county_code, year, amount_fen) \
                 SELECT fund_line_id, kind, entry_month, MIN(county_code), MIN(year), SUM(amount_fen) \
                 FROM ledger_total GROUP BY fund_line_id, kind, entry_month",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FundLineMonthTotal::Table).to_owned())
            .await?;
        drop_index(manager, "idx_construction_total_read").await?;
        drop_index(manager, "idx_project_event_steps").await?;
        drop_index(manager, "idx_ledger_month").await?;
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
