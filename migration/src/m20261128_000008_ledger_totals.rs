//! Running totals of the ledger, kept in the same transaction as every ledger entry:
//!
//! - `ledger_total` (资金台账汇总): the sum of the entries per fund line, kind, township,
//!   sector and month. The utilization rollups read it instead of the ledger: a county-year
//!   is a few hundred rows instead of tens of thousands of entries. Entries without a
//!   project (receipts) have the empty string for township and sector, so that the key is a
//!   plain primary key on both databases (NULLs are never equal in a unique key).
//! - `project.allocated_fen` / `project.disbursed_fen`: a project's money, so that a page of
//!   projects shows it without a grouped query over the ledger.
//!
//! Existing ledgers are summed into both when the migration runs.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerTotal {
    Table,
    FundLineId,
    Kind,
    TownshipCode,
    Sector,
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
enum Project {
    Table,
    AllocatedFen,
    DisbursedFen,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerTotal::Table)
                    .col(big_integer(LedgerTotal::FundLineId))
                    .col(string_len(LedgerTotal::Kind, 16))
                    .col(string_len(LedgerTotal::TownshipCode, 12))
                    .col(string_len(LedgerTotal::Sector, 32))
                    .col(integer(LedgerTotal::EntryMonth))
                    .col(string_len(LedgerTotal::CountyCode, 12))
                    .col(integer(LedgerTotal::Year))
                    .col(big_integer(LedgerTotal::AmountFen))
                    .primary_key(
                        Index::create()
                            .col(LedgerTotal::FundLineId)
                            .col(LedgerTotal::Kind)
                            .col(LedgerTotal::TownshipCode)
                            .col(LedgerTotal::Sector)
                            .col(LedgerTotal::EntryMonth),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_total_fund_line")
                            .from(LedgerTotal::Table, LedgerTotal::FundLineId)
                            .to(FundLine::Table, FundLine::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The rollups select a year and a range of county (or township) codes.
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_total_rollup")
                    .table(LedgerTotal::Table)
                    .col(LedgerTotal::Year)
                    .col(LedgerTotal::CountyCode)
                    .col(LedgerTotal::FundLineId)
                    .col(LedgerTotal::Kind)
                    .col(LedgerTotal::AmountFen)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Project::Table)
                    .add_column(big_integer(Project::AllocatedFen).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Project::Table)
                    .add_column(big_integer(Project::DisbursedFen).default(0))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO ledger_total \
             (fund_line_id, kind, township_code, sector, entry_month, county_code, year, amount_fen) \
             SELECT fund_line_id, kind, COALESCE(township_code, ''), COALESCE(sector, ''), entry_month, \
                    MIN(county_code), MIN(year), CAST(SUM(amount_fen) AS BIGINT) \
             FROM ledger_entry \
             GROUP BY fund_line_id, kind, COALESCE(township_code, ''), COALESCE(sector, ''), entry_month",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE project SET \
             allocated_fen = COALESCE((SELECT CAST(SUM(e.amount_fen) AS BIGINT) FROM ledger_entry e \
                                       WHERE e.project_id = project.id AND e.kind = 'ALLOCATION'), 0), \
             disbursed_fen = COALESCE((SELECT CAST(SUM(e.amount_fen) AS BIGINT) FROM ledger_entry e \
                                       WHERE e.project_id = project.id AND e.kind = 'DISBURSEMENT'), 0) \
             WHERE EXISTS (SELECT 1 FROM ledger_entry e WHERE e.project_id = project.id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LedgerTotal::Table).to_owned())
            .await?;
        for column in [Project::AllocatedFen, Project::DisbursedFen] {
            manager
                .alter_table(Table::alter().table(Project::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
