//! What the benches share: the names, places and fields their seeded petitions are made of.

#![allow(dead_code)]

pub const NAMES: [&str; 8] = [
    "Nguyễn Văn Đức",
    "Trần Thị Thủy",
    "Lê Quang Đạo",
    "Phạm Thị Hương",
    "Hoàng Văn Thụ",
    "Vũ Thị Lan",
    "Đỗ Minh Tuấn",
    "Bùi Thị Ngọc",
];
pub const PLACES: [&str; 6] = [
    "đường Xương Giang",
    "ngõ 12 Lê Lợi",
    "phố Hoàng Văn Thụ",
    "chợ Dĩnh Kế",
    "khu dân cư số 3",
    "đường Trần Nguyên Hãn",
];
pub const FIELDS: [&str; 5] = ["ha_tang", "moi_truong", "dat_dai", "an_ninh", "chinh_sach"];
