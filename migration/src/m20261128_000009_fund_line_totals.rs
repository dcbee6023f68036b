//! `fund_line_total` (资金线汇总): the sum of each fund line's entries per kind, kept in the
//! same transaction as every ledger entry, beside `ledger_total`. A fund line's own figures
//! and the rollups that group by county, fund kind, level or line (a province's year is a
//! few thousand rows here against hundreds of thousands in `ledger_total`) read it.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FundLineTotal {
    Table,
    FundLineId,
    Kind,
    CountyCode,
    Year,
    AmountFen,
}

#[derive(DeriveIden)]
enum FundLine {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FundLineTotal::Table)
                    .col(big_integer(FundLineTotal::FundLineId))
                    .col(string_len(FundLineTotal::Kind, 16))
                    .col(string_len(FundLineTotal::CountyCode, 12))
                    .col(integer(FundLineTotal::Year))
                    .col(big_integer(FundLineTotal::AmountFen))
                    .primary_key(Index::create().col(FundLineTotal::FundLineId).col(FundLineTotal::Kind))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_fund_line_total_fund_line")
                            .from(FundLineTotal::Table, FundLineTotal::FundLineId)
                            .to(FundLine::Table, FundLine::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_fund_line_total_rollup")
                    .table(FundLineTotal::Table)
                    .col(FundLineTotal::Year)
                    .col(FundLineTotal::CountyCode)
                    .col(FundLineTotal::FundLineId)
                    .col(FundLineTotal::Kind)
                    .col(FundLineTotal::AmountFen)
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO fund_line_total (fund_line_id, kind, county_code, year, amount_fen) \
                 SELECT fund_line_id, kind, MIN(county_code), MIN(year), CAST(SUM(amount_fen) AS BIGINT) \
                 FROM ledger_total GROUP BY fund_line_id, kind",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FundLineTotal::Table).to_owned())
            .await
    }
}
