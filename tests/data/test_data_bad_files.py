"""A corpus of bad and odd input files, built here in tmp_path: each gives a clear DataError that names the file /
column / row, or is cleaned with the expected counts."""
from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from assistant.core.data import DataError, QualityReport, load_files, read_table

HEADER = "user_id,item_id,event_type,timestamp,quantity,revenue\n"
GOOD = [
    "u1,i1,view,2024-03-01 10:00:00,1,0",
    "u1,i1,cart,2024-03-01 10:05:00,1,0",
    "u1,i1,purchase,2024-03-01 10:10:00,2,9.98",
    "u2,i2,purchase,2024-03-02 11:00:00,1,3.50",
]


def write(tmp_path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def good_csv(tmp_path, extra: list[str] = (), name: str = "events.csv", header: str = HEADER) -> str:
    return write(tmp_path, name, header + "\n".join([*GOOD, *extra]) + "\n")


# ------------------------------------------------------------------------------------------ unusable files

def test_empty_file(tmp_path):
    with pytest.raises(DataError, match=r"file 'empty.csv'.*empty"):
        load_files(events=write(tmp_path, "empty.csv", ""))


def test_whitespace_only_file(tmp_path):
    with pytest.raises(DataError, match=r"file 'blank.csv'.*empty"):
        load_files(events=write(tmp_path, "blank.csv", "\n\n   \n"))


def test_header_only(tmp_path):
    with pytest.raises(DataError, match=r"file 'head.csv'.*header .*no data rows"):
        load_files(events=write(tmp_path, "head.csv", HEADER))


def test_missing_required_column_suggests_close_name(tmp_path):
    path = write(tmp_path, "ev.csv", "user_id,itm_idx,timestamp\nu1,i1,2024-01-01\n")
    with pytest.raises(DataError) as error:
        load_files(events=path)
    message = str(error.value)
    assert "file 'ev.csv'" in message and "column 'item_id'" in message
    assert "itm_idx" in message and "mapping=" in message
    assert error.value.column == "item_id" and error.value.file == "ev.csv"


def test_mapping_names_a_column_the_file_lacks(tmp_path):
    path = write(tmp_path, "ev.csv", "visitor,product,when\nu1,i1,2024-01-01\n")
    with pytest.raises(DataError, match=r"file 'ev.csv', column 'visiter'.*did you mean 'visitor'"):
        load_files(events=path, mapping={"events": {"user_id": "visiter"}})


def test_unknown_table_in_mapping(tmp_path):
    with pytest.raises(DataError, match=r"unknown table 'evnts'"):
        load_files(events=good_csv(tmp_path), mapping={"evnts": {"user_id": "a"}})


def test_wrong_delimiter_given_explicitly(tmp_path):
    path = write(tmp_path, "semi.csv", HEADER.replace(",", ";") + "u1;i1;view;2024-01-01;1;0\n")
    with pytest.raises(DataError, match=r"file 'semi.csv'.*one column.*';'.*sep=';'"):
        read_table(path, sep=",")


def test_undecodable_bytes_name_the_row(tmp_path):
    # 0x81 and 0x8d are invalid in UTF-8 and undefined in cp1252 (as in GBK text): a clear error, not mojibake
    raw = (HEADER + "u1,i1,view,2024-01-01,1,0\n").encode() + b"u2,\x81\x8d\xc4,view,2024-01-01,1,0\n"
    with pytest.raises(DataError) as error:
        load_files(events=write(tmp_path, "gbk.csv", raw))
    assert "file 'gbk.csv', row 2" in str(error.value) and "UTF-8" in str(error.value)
    assert "encoding=" in str(error.value)


def test_binary_file(tmp_path):
    with pytest.raises(DataError, match=r"binary"):
        load_files(events=write(tmp_path, "x.csv", b"\x00\x01\x02PK\x00" * 50))


def test_ragged_row_names_line(tmp_path):
    path = write(tmp_path, "rag.csv", HEADER + "u1,i1,view,2024-01-01,1,0\nu2,i2,view,2024-01-01,1,0,EXTRA\n")
    with pytest.raises(DataError, match=r"file 'rag.csv', row 3: row has 7 fields"):
        load_files(events=path)


def test_no_valid_rows_left_is_an_error(tmp_path):
    path = write(tmp_path, "allbad.csv", HEADER + "u1,i1,view,not a date,1,0\nu2,i2,view,yesterday-ish,1,0\n")
    with pytest.raises(DataError, match=r"file 'allbad.csv'.*no valid events rows.*unparseable timestamp: 2"):
        load_files(events=path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_files(events=str(tmp_path / "nope.csv"))


def test_broken_parquet(tmp_path):
    with pytest.raises(DataError, match=r"file 'bad.parquet'.*Parquet"):
        load_files(events=write(tmp_path, "bad.parquet", b"PAR1garbage"))


# ------------------------------------------------------------------------------- files that are cleaned

def test_duplicate_rows_removed_and_counted(tmp_path):
    data = load_files(events=good_csv(tmp_path, extra=[GOOD[2], GOOD[2], GOOD[3]]))
    assert len(data.events) == 4
    assert data.quality["events"].duplicates_removed == 3
    assert data.quality["events"].rows_in == 7


def test_negative_quantity_and_huge_numbers(tmp_path):
    data = load_files(events=good_csv(tmp_path, extra=[
        "u3,i3,purchase,2024-03-03,-1,5",
        "u3,i3,purchase,2024-03-03,0,0",
        "u3,i4,purchase,2024-03-03,1e12,5",
        "u3,i5,purchase,2024-03-03,1,99999999999",
        "u3,i6,purchase,2024-03-03,1,-4",
    ]))
    report: QualityReport = data.quality
    assert report.dropped("events", "negative quantity") == 1
    assert report.dropped("events", "zero quantity") == 1
    assert report.dropped("events", "absurd quantity") == 1
    assert report.dropped("events", "absurd price") == 1
    assert report.dropped("events", "negative revenue") == 1
    assert len(data.events) == 4
    assert "negative quantity: 1" in report.to_markdown()
    frame = report.to_frame()
    assert int(frame.loc[(frame["table"] == "events") & (frame["reason"] == "absurd price"), "dropped"].iloc[0]) == 1


def test_bad_timestamps_and_unknown_event_types(tmp_path):
    data = load_files(events=good_csv(tmp_path, extra=[
        "u3,i3,purchase,31/31/2024,1,1",
        "u3,i3,purchase,,1,1",
        "u3,i3,purchase,1800-01-01,1,1",
        "u3,i3,teleport,2024-03-03,1,1",
        "u3,i3,refund,2024-03-03,1,1",
    ]))
    assert data.quality.dropped("events", "unparseable timestamp") == 2
    assert data.quality.dropped("events", "timestamp before 1990-01-01") == 1
    assert data.quality.dropped("events", "unknown event type") == 2
    assert any("teleport" in w for w in data.quality.all_warnings)


def test_missing_ids_dropped(tmp_path):
    data = load_files(events=good_csv(tmp_path, extra=[",i3,purchase,2024-03-03,1,1", "u3, ,view,2024-03-03,1,0"]))
    assert data.quality.dropped("events", "missing id") == 2


def test_mixed_id_types_are_one_customer(tmp_path):
    path = write(tmp_path, "ids.csv", "user_id,item_id,timestamp\n1029,7,2024-01-01\n1029.0,7.0,2024-01-02\n"
                                      " 1029 ,A7,2024-01-03\n")
    data = load_files(events=path)
    assert data.events["user_id"].tolist() == ["1029"] * 3
    assert data.events["item_id"].tolist() == ["7", "7", "A7"]


def test_unix_seconds_and_milliseconds_detected(tmp_path):
    path = write(tmp_path, "unix.csv", "user_id,item_id,timestamp\nu1,i1,1511544070\nu1,i2,1511544070000\n"
                                       "u1,i3,20240301\n")
    data = load_files(events=path)
    times = data.events.sort_values("item_id")["timestamp"].tolist()
    assert times[0] == times[1] == pd.Timestamp("2017-11-24 17:21:10")
    assert times[2] == pd.Timestamp("2024-03-01")


def test_timezones_converted_to_naive_utc(tmp_path):
    path = write(tmp_path, "tz.csv", "user_id,item_id,timestamp\nu1,i1,2024-03-01T10:00:00+02:00\n"
                                     "u1,i2,2024-03-01T08:00:00Z\n")
    data = load_files(events=path)
    assert data.events["timestamp"].nunique() == 1
    assert data.events["timestamp"].iloc[0] == pd.Timestamp("2024-03-01 08:00:00")


def test_bom_blank_lines_and_quoted_commas(tmp_path):
    text = "\ufeff" + "user_id,item_id,title,timestamp\n\nu1,i1,\"Soup, tomato\",2024-01-01\n\n" \
                      "u2,i2,\"Bread, \"\"rye\"\"\",2024-01-02\n"
    data = load_files(events=write(tmp_path, "bom.csv", text))
    assert len(data.events) == 2
    assert "user_id" in data.events.columns  # the BOM did not stick to the first header
    titles = data.products.set_index("item_id")["title"]
    assert titles["i1"] == "Soup, tomato" and titles["i2"] == 'Bread, "rye"'


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_delimiters_are_sniffed(tmp_path, sep):
    text = HEADER.replace(",", sep) + "\n".join(line.replace(",", sep) for line in GOOD) + "\n"
    data = load_files(events=write(tmp_path, "ev.csv", text))
    assert len(data.events) == 4 and data.events["revenue"].sum() == pytest.approx(13.48)


def test_cp1252_fallback(tmp_path):
    raw = "user_id,item_id,title,timestamp\nu1,i1,Café crème,2024-01-01\n".encode("cp1252")
    data = load_files(events=write(tmp_path, "latin.csv", raw))
    assert data.products["title"].iloc[0] == "Café crème"


def test_gzip_csv_and_parquet(tmp_path):
    gz = tmp_path / "ev.csv.gz"
    gz.write_bytes(gzip.compress((HEADER + "\n".join(GOOD) + "\n").encode()))
    assert len(load_files(events=str(gz)).events) == 4
    frame = pd.read_csv(good_csv(tmp_path))
    frame.to_parquet(tmp_path / "ev.parquet")
    data = load_files(events=str(tmp_path / "ev.parquet"))
    assert len(data.events) == 4 and data.events["revenue"].sum() == pytest.approx(13.48)


def test_missing_event_type_means_purchase_and_synonyms(tmp_path):
    path = write(tmp_path, "orders.csv", "CustomerID,StockCode,InvoiceDate,Quantity,UnitPrice,Description\n"
                                         "17850,85123A,12/1/2010 8:26,6,2.55,WHITE HANGING HEART\n"
                                         "17850,71053,12/1/2010 8:26,6,3.39,WHITE METAL LANTERN\n")
    data = load_files(events=path)
    assert set(data.events["event_type"]) == {"purchase"}
    assert data.events["revenue"].tolist() == pytest.approx([15.3, 20.34])
    assert data.products.set_index("item_id").loc["85123A", "price"] == pytest.approx(2.55)
    assert any("purchase" in w for w in data.quality.all_warnings)


def test_mapping_dict_with_event_values_and_product_columns(tmp_path):
    path = write(tmp_path, "retail.csv", "visitor,action,thing,ts,cat\n"
                                         "v1,pageview,p1,1433221332117,c9\n"
                                         "v1,addtocart,p1,1433221400000,c9\n"
                                         "v1,transaction,p1,1433221500000,c9\n")
    mapping = {"events": {"user_id": "visitor", "event_type": "action", "item_id": "thing", "timestamp": "ts",
                          "category": "cat"},
               "event_values": {"pageview": "view", "addtocart": "cart", "transaction": "purchase"}}
    data = load_files(events=path, mapping=mapping, name="retailrocket")
    assert data.events["event_type"].tolist() == ["view", "cart", "purchase"]
    assert data.events["timestamp"].iloc[0].year == 2015
    assert data.products.set_index("item_id").loc["p1", "category"] == "c9"
    assert "category" not in data.events.columns


@pytest.mark.parametrize("kind", ["yaml", "json"])
def test_mapping_file(tmp_path, kind):
    path = write(tmp_path, "log.csv", "who,what,when,act\nu1,i1,2024-01-01,pv\nu1,i1,2024-01-02,buy\n")
    mapping = {"events": {"user_id": "who", "item_id": "what", "timestamp": "when", "event_type": "act"}}
    if kind == "json":
        mapping_path = write(tmp_path, "map.json", json.dumps(mapping))
    else:
        mapping_path = write(tmp_path, "map.yaml", "events:\n  user_id: who\n  item_id: what\n  timestamp: when\n"
                                                   "  event_type: act\n")
    data = load_files(events=path, mapping=mapping_path)
    assert data.events["event_type"].tolist() == ["view", "purchase"]


def test_broken_mapping_file(tmp_path):
    mapping_path = write(tmp_path, "map.yaml", "events: [unclosed\n")
    with pytest.raises(DataError, match=r"file 'map.yaml'.*cannot be parsed"):
        load_files(events=good_csv(tmp_path), mapping=mapping_path)


def test_users_exposures_outcomes_files(tmp_path):
    users = write(tmp_path, "users.csv", "customer_id,age,city\n1,30,Oslo\n1,31,Oslo\n2,40,Rome\n")
    exposures = write(tmp_path, "exp.csv", "campaign,customer_id,group\nc1,1,control\nc1,2,\nc1,2,\n")
    outcomes = write(tmp_path, "out.csv", "campaign,customer_id,opened,conversion,revenue\n"
                                          "c1,1,yes,0,\nc1,2,1,1,12.5\nc1,2,0,0,2.5\n")
    data = load_files(users=users, exposures=exposures, outcomes=outcomes)
    assert len(data.users) == 2 and data.quality["users"].duplicates_removed == 1
    assert data.exposures.set_index("user_id")["arm"].to_dict() == {"1": "control", "2": "treatment"}
    out = data.outcomes.set_index("user_id")
    assert out.loc["1", "opened"] and not out.loc["1", "converted"]
    assert out.loc["2", "converted"] and out.loc["2", "revenue"] == pytest.approx(15.0)
    assert data.quality["outcomes"].duplicates_removed == 1
    assert data.events.empty and data.n_users == 2


def test_file_without_header_row(tmp_path):
    path = write(tmp_path, "nohead.csv", "1,2268318,2520377,pv,1511544070\n1,2333346,2520771,pv,1511561733\n")
    with pytest.raises(DataError, match=r"file 'nohead.csv', column 'user_id'.*first row looks like data"):
        load_files(events=path)


def test_no_input_at_all():
    with pytest.raises(DataError, match="no file given"):
        load_files()
