//! Ledger months become year-months (202512): money that arrives before its line's year
//! (提前下达) must not merge with the same month of the line's year. `ledger_total` is
//! summed again from the ledger under the new keys.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let year_of = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "CAST(EXTRACT(YEAR FROM entry_date) AS INTEGER)",
            _ => "CAST(strftime('%Y', entry_date) AS INTEGER)",
        };
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "UPDATE ledger_entry SET entry_month = {year_of} * 100 + entry_month WHERE entry_month < 100"
        ))
        .await?;
        resum_totals(db).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE ledger_entry SET entry_month = entry_month % 100 WHERE entry_month >= 100")
            .await?;
        resum_totals(db).await
    }
}

/// Sums `ledger_total` again from the ledger.
async fn resum_totals(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    db.execute_unprepared("DELETE FROM ledger_total").await?;
    db.execute_unprepared(
        "INSERT INTO ledger_total \
         (fund_line_id, kind, township_code, sector, entry_month, county_code, year, amount_fen) \
         SELECT fund_line_id, kind, COALESCE(township_code, ''), COALESCE(sector, ''), entry_month, \
                MIN(county_code), MIN(year), CAST(SUM(amount_fen) AS BIGINT) \
         FROM ledger_entry \
         GROUP BY fund_line_id, kind, COALESCE(township_code, ''), COALESCE(sector, ''), entry_month",
    )
    .await?;
    Ok(())
}
