"""Seeds an Isso database for bench/load.py: a thread with N approved comments and an empty
thread for the write path. Runs with the Isso venv's python (bench/.venv-isso), never ours.

    bench/.venv-isso/bin/python bench/isso/seed.py CONFIG N
"""

import sqlite3
import sys
import time

from isso import config
from isso.db import SQLite3

READ_URI = "/big-story/"
WRITE_URI = "/fresh-story/"


def main() -> None:
    conf_path, count = sys.argv[1], int(sys.argv[2])
    conf = config.load(config.default_file(), conf_path)
    db = SQLite3(conf.get("general", "dbpath"), conf)  # creates Isso's own schema
    db.threads.new(READ_URI, "A big story")
    db.threads.new(WRITE_URI, "A fresh story")
    con = sqlite3.connect(conf.get("general", "dbpath"))
    tid = con.execute("SELECT id FROM threads WHERE uri = ?", (READ_URI,)).fetchone()[0]
    start = time.time() - count
    rows = [
        (
            tid,
            None,
            start + i,
            None,
            1,
            "127.0.0.0",
            f"Reader comment number {i} on the big story, approved and public.",
            f"Reader {i}",
            f"reader{i}@example.org",
            None,
            "",
            0,
        )
        for i in range(count)
    ]
    con.executemany(
        "INSERT INTO comments (tid, parent, created, modified, mode, remote_addr, text, author,"
        " email, website, voters, notification) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    con.commit()
    print(con.execute("SELECT count(*) FROM comments WHERE mode = 1").fetchone()[0])


if __name__ == "__main__":
    main()
