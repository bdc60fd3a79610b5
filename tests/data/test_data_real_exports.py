"""Real exports read as a person reads them: decimal commas and thousands separators per column (and said so in
the quality report), the readable category column over a numeric id, and impossible dates dropped with a reason."""
from __future__ import annotations

import pandas as pd
import pytest

from assistant.core.data import load_files
from assistant.core.data.cleaning import number_format, read_numbers


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_semicolon_export_with_decimal_commas_loads_with_the_right_numbers(tmp_path):
    path = write(tmp_path, "export_de.csv",
                 "Kunde;Artikel;Datum;price;quantity;revenue\n"
                 "u1;a;2024-01-01;12,50;2;25,00\n"
                 "u2;b;2024-01-02;1.234,75;1;1.234,75\n"
                 "u3;a;2024-01-03;3,20;1;3,20\n")
    data = load_files(events=path, mapping={"events": {"user_id": "Kunde", "item_id": "Artikel",
                                                       "timestamp": "Datum"}})
    ev = data.events.set_index("user_id")
    assert ev.loc["u1", "revenue"] == pytest.approx(25.0)
    assert ev.loc["u2", "revenue"] == pytest.approx(1234.75)
    assert ev.loc["u3", "revenue"] == pytest.approx(3.2)
    prices = data.products.set_index("item_id")["price"]  # built from the events' price column (median)
    assert prices["a"] == pytest.approx((12.5 + 3.2) / 2)
    assert prices["b"] == pytest.approx(1234.75)
    notes = " ".join(data.quality.all_warnings)
    assert "column 'price': decimal comma" in notes and "column 'revenue': decimal comma" in notes
    assert "decimal comma" in data.quality.to_markdown()


def test_thousands_commas_stay_thousands_and_each_column_is_read_on_its_own(tmp_path):
    path = write(tmp_path, "export_us.csv",
                 'user_id,item_id,timestamp,revenue,quantity\n'
                 'u1,a,2024-01-01,"1,234.50",1\n'
                 'u2,b,2024-01-02,"2,000",3\n'
                 'u3,a,2024-01-03,7.25,"1,5"\n')
    data = load_files(events=path)
    ev = data.events.set_index("user_id")
    assert ev.loc["u1", "revenue"] == pytest.approx(1234.5)
    assert ev.loc["u2", "revenue"] == pytest.approx(2000.0)
    assert ev.loc["u3", "quantity"] == pytest.approx(1.5)  # this column uses a decimal comma
    notes = " ".join(data.quality.all_warnings)
    assert "column 'revenue': ',' read as thousands separator" in notes


@pytest.mark.parametrize("values, expected", [
    (["12,50", "3,2"], (",", None)),
    (["1.234,5", "12,50"], (",", ".")),
    (["1.234.567", "12"], (",", ".")),
    (["1,234.5", "3"], (".", ",")),
    (["1,234,567"], (".", ",")),
    (["12.5", "1,234"], (".", ",")),
    (["12,50", "1.234"], (",", ".")),
    (["12", "7"], (".", None)),
])
def test_number_format_is_decided_per_column(values, expected):
    assert number_format(pd.Series(values)) == expected


def test_plain_numbers_have_no_note():
    values, note = read_numbers(pd.Series(["12", " 7 ", "$3.50", None]))
    assert note is None and values.tolist()[:3] == [12.0, 7.0, 3.5] and pd.isna(values.iloc[3])


def test_readable_category_column_wins_over_a_numeric_id(tmp_path):
    path = write(tmp_path, "ecommerce.csv",
                 "event_time,event_type,product_id,category_id,category_code,price,user_id\n"
                 "2024-01-01 10:00:00 UTC,view,p1,2053013555631882655,electronics.smartphone,199.9,u1\n"
                 "2024-01-01 10:05:00 UTC,purchase,p1,2053013555631882655,electronics.smartphone,199.9,u1\n"
                 "2024-01-02 11:00:00 UTC,view,p2,2053013553559896355,appliances.kitchen.kettle,25.0,u2\n")
    data = load_files(events=path)
    categories = data.products.set_index("item_id")["category"]
    assert categories["p1"] == "electronics.smartphone" and categories["p2"] == "appliances.kitchen.kettle"
    assert any("'category_code' (text) used as the category" in w for w in data.quality.all_warnings)


def test_an_explicit_mapping_still_decides_the_category(tmp_path):
    path = write(tmp_path, "ecommerce.csv",
                 "event_time,event_type,product_id,category_id,category_code,user_id\n"
                 "2024-01-01,view,p1,205,electronics.smartphone,u1\n")
    data = load_files(events=path, mapping={"events": {"category": "category_id"}})
    assert data.products.set_index("item_id")["category"]["p1"] == "205"


def test_future_and_prehistoric_timestamps_are_dropped_and_counted(tmp_path):
    path = write(tmp_path, "events.csv",
                 "user_id,item_id,timestamp,revenue\n"
                 "u1,a,2024-01-01,3.5\n"
                 "u2,b,2024-01-05,4\n"
                 "u3,a,2099-01-01,1.25\n"
                 "u4,b,1985-06-01,2\n")
    data = load_files(events=path)
    assert data.quality.dropped("events", "timestamp in the future") == 1
    assert data.quality.dropped("events", "timestamp before 1990-01-01") == 1
    assert data.events["timestamp"].max() == pd.Timestamp("2024-01-05")  # the 2099 row is not the "last event"
    assert set(data.events["user_id"]) == {"u1", "u2"}
    assert "timestamp in the future: 1" in data.quality.to_markdown()


def test_a_date_just_after_the_load_time_is_kept_as_clock_skew(tmp_path):
    tomorrow = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(hours=20)).strftime("%Y-%m-%d %H:%M:%S")
    path = write(tmp_path, "events.csv", f"user_id,item_id,timestamp,revenue\nu1,a,{tomorrow},3.5\nu2,b,2024-01-01,1\n")
    data = load_files(events=path)
    assert len(data.events) == 2 and data.quality.dropped("events", "timestamp in the future") == 0


def test_a_chinese_shop_export_is_recognised_by_its_headers(tmp_path):
    """会员ID / 商品编号 / 金额 / 下单时间 / 数量 and 商品名称 / 品类: a Youzan- or Taobao-style export loads with no mapping."""
    pd.DataFrame({"会员ID": ["C0001", "C0002", "C0001"], "商品编号": ["tent", "stove", "socks"],
                  "实付金额": [199.0, 59.0, 15.0], "下单时间": ["2025/03/01", "2025/03/02", "2025/04/11"],
                  "数量": [1, 1, 2], "订单号": ["A1", "A2", "A3"]}).to_csv(tmp_path / "orders.csv", index=False)
    pd.DataFrame({"商品编号": ["tent", "stove", "socks"], "商品名称": ["双人帐篷", "露营炉", "徒步袜"],
                  "类目": ["帐篷", "炊具", "服饰"], "单价": [199.0, 59.0, 7.5]}).to_csv(tmp_path / "items.csv", index=False)
    data = load_files(events=tmp_path / "orders.csv", products=tmp_path / "items.csv")
    assert set(data.events["user_id"]) == {"C0001", "C0002"} and data.events["revenue"].sum() == pytest.approx(273.0)
    assert data.events["timestamp"].dt.month.tolist() == [3, 3, 4] and set(data.events["basket_id"]) == {"A1", "A2", "A3"}
    assert data.products.set_index("item_id").loc["tent", ["title", "category"]].tolist() == ["双人帐篷", "帐篷"]
    assert data.products.set_index("item_id").loc["socks", "price"] == pytest.approx(7.5)
    # no event-type column: the cleaning report says so, in the reader's language
    assert "no event type column: every row is taken as a purchase" in data.quality.all_warnings
    assert data.quality.warnings_in("zh") == ("没有事件类型列：每一行都按购买处理",)


def test_cleaning_warnings_read_in_chinese_with_the_same_figures(tmp_path):
    path = write(tmp_path, "export_de.csv",
                 "Kunde;Artikel;Datum;price\n" "u1;a;2024-01-01;12,50\n" "u2;b;2024-01-02;-3,00\n")
    data = load_files(events=path, mapping={"events": {"user_id": "Kunde", "item_id": "Artikel", "timestamp": "Datum"}})
    zh = data.quality.warnings_in("zh")
    assert len(zh) == len(data.quality.all_warnings)
    assert "列「price」：小数点写作逗号（如 '12,50' 读作 12.5）" in zh and "没有事件类型列：每一行都按购买处理" in zh
    assert not any(w.isascii() for w in zh)
