"""Write test/fixtures/python/linetables-3.X.json: real line tables from this interpreter with the
line CPython itself reports for each instruction offset (dis.findlinestarts before 3.10,
co_lines() from 3.10). Run once per version: <python> scripts/gen-linetable-fixtures.py OUTDIR"""
import dis, json, sys

SRC = '''
def sample(a, b):
    x = a + b
    if x > 10:
        for i in range(3):
            x += i

    else:
        x = (a *
             b)
    y = [v for v in range(x)]
    try:
        z = 1 / a
    except ZeroDivisionError:
        z = None
    return x, y, z
''' + "\n" * 300 + '''
def far():
    return 1
'''


def expected(code):
    if sys.version_info >= (3, 10):
        out = {}
        for start, end, line in code.co_lines():
            for off in range(start, end, 2):
                out[off] = line
        return sorted(out.items())
    starts = list(dis.findlinestarts(code))
    out = []
    for ins in dis.get_instructions(code):
        line = None
        for off, ln in starts:
            if off <= ins.offset:
                line = ln
        out.append((ins.offset, line))
    return out


ns = {}
exec(compile(SRC, "<fixture>", "exec"), ns)
codes = [ns["sample"].__code__, ns["far"].__code__]
codes += [c for c in ns["sample"].__code__.co_consts if hasattr(c, "co_code")]
fmt = "lnotab" if sys.version_info < (3, 10) else ("linetable310" if sys.version_info < (3, 11) else "locations")
doc = {"version": "%d.%d" % sys.version_info[:2], "format": fmt, "codes": []}
for c in codes:
    table = c.co_lnotab if sys.version_info < (3, 10) else c.co_linetable
    doc["codes"].append({"name": c.co_name, "firstlineno": c.co_firstlineno, "table": table.hex(), "cases": expected(c)})
with open("%s/linetables-%d.%d.json" % (sys.argv[1], *sys.version_info[:2]), "w") as f:
    json.dump(doc, f)
