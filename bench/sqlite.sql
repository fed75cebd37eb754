-- sqlite.sql - the bench's medical-cost rule through the sqlite3 CLI
-- (make bench).  run.sh replaces @PERSONS@, @SETTLEMENTS@, @AS_OF@,
-- @WINDOW_DAYS@, @THRESHOLD_FEN@ and @OUT@ and feeds this to
-- `sqlite3 FILE.db`.  The tables are typed so that .import stores the
-- amounts as integers; dates stay ISO text, which sorts as dates do.
-- The window is as_of - window_days < settle_date <= as_of, like civicare's.
.output /dev/null
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE persons (id_number TEXT NOT NULL, region_code TEXT);
CREATE TABLE medical_settlements (id_number TEXT NOT NULL, settle_date TEXT NOT NULL,
  total_fen INTEGER, self_paid_fen INTEGER NOT NULL, diagnosis_class TEXT);
.import --csv --skip 1 @PERSONS@ persons
.import --csv --skip 1 @SETTLEMENTS@ medical_settlements
.headers off
.mode list
.output stdout
.once @OUT@
SELECT s.id_number
  FROM medical_settlements s
 WHERE s.settle_date > date('@AS_OF@', '-@WINDOW_DAYS@ days')
   AND s.settle_date <= '@AS_OF@'
   AND s.id_number IN (SELECT id_number FROM persons)
 GROUP BY s.id_number
HAVING sum(s.self_paid_fen) >= @THRESHOLD_FEN@
 ORDER BY s.id_number;
