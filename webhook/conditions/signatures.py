"""Names and arities of expr-lang's builtins, and what Argo adds for {{= }} tags (no code, cheap to import)."""

from __future__ import annotations

# name → (least arguments, most arguments or None for any number)
ARITY: dict[str, tuple[int, int | None]] = {
    "len": (1, 1), "type": (1, 1), "abs": (1, 1), "ceil": (1, 1), "floor": (1, 1), "round": (1, 1),
    "int": (1, 1), "float": (1, 1), "string": (1, 1), "trim": (1, 2), "trimPrefix": (1, 2), "trimSuffix": (1, 2),
    "upper": (1, 1), "lower": (1, 1), "split": (2, 3), "splitAfter": (2, 3), "replace": (3, 4),
    "repeat": (2, 2), "join": (1, 2), "indexOf": (2, 2), "lastIndexOf": (2, 2), "hasPrefix": (2, 2),
    "hasSuffix": (2, 2), "max": (1, None), "min": (1, None), "mean": (1, None), "median": (1, None),
    "toJSON": (1, 1), "fromJSON": (1, 1), "toBase64": (1, 1), "fromBase64": (1, 1), "first": (1, 1),
    "last": (1, 1), "get": (2, 2), "take": (2, 2), "keys": (1, 1), "values": (1, 1), "toPairs": (1, 1),
    "fromPairs": (1, 1), "reverse": (1, 1), "uniq": (1, 1), "concat": (1, None), "flatten": (1, 1),
    "sort": (1, 2), "bitand": (2, 2), "bitor": (2, 2), "bitxor": (2, 2), "bitnand": (2, 2), "bitshl": (2, 2),
    "bitshr": (2, 2), "bitushr": (2, 2), "bitnot": (1, 1),
    # date() may take a *time.Location first: date(timezone("Europe/Paris"), "2024-01-02 10:00", layout)
    "now": (0, 1), "duration": (1, 1), "date": (1, 4), "timezone": (1, 1),
}
PREDICATES = frozenset({"all", "none", "any", "one", "filter", "map", "count", "sum", "find", "findIndex",
                        "findLast", "findLastIndex", "groupBy", "sortBy", "reduce"})
ALL_BUILTINS = frozenset(ARITY) | PREDICATES
# Sprig v3's GenericFuncMap, which Argo hands to {{= }} tags as `sprig` (sprig.trim(x), sprig.add(1, 2)).
SPRIG_FUNCTIONS = frozenset({
    "hello", "ago", "date", "date_in_zone", "date_modify", "dateInZone", "dateModify", "duration", "durationRound",
    "htmlDate", "htmlDateInZone", "must_date_modify", "mustDateModify", "mustToDate", "now", "toDate", "unixEpoch",
    "abbrev", "abbrevboth", "trunc", "trim", "upper", "lower", "title", "untitle", "substr", "repeat", "trimall",
    "trimAll", "trimSuffix", "trimPrefix", "nospace", "initials", "randAlphaNum", "randAlpha", "randAscii",
    "randNumeric", "randSeededNumeric", "swapcase", "shuffle", "snakecase", "camelcase", "kebabcase", "wrap",
    "wrapWith", "contains", "hasPrefix", "hasSuffix", "quote", "squote", "cat", "indent", "nindent", "replace",
    "plural", "sha1sum", "sha256sum", "sha512sum", "adler32sum", "toString", "atoi", "int64", "int", "float64", "seq",
    "toDecimal", "split", "splitList", "splitn", "toStrings", "until", "untilStep", "add1", "add", "sub", "div",
    "mod", "mul", "randInt", "add1f", "addf", "subf", "divf", "mulf", "biggest", "max", "min", "maxf", "minf", "ceil",
    "floor", "round", "join", "sortAlpha", "default", "empty", "coalesce", "all", "any", "compact", "mustCompact",
    "fromJson", "toJson", "toPrettyJson", "toRawJson", "mustFromJson", "mustToJson", "mustToPrettyJson",
    "mustToRawJson", "ternary", "deepCopy", "mustDeepCopy", "typeOf", "typeIs", "typeIsLike", "kindOf", "kindIs",
    "deepEqual", "getHostByName", "base", "dir", "clean", "ext", "isAbs", "osBase", "osClean", "osDir", "osExt",
    "osIsAbs", "b64enc", "b64dec", "b32enc", "b32dec", "tuple", "list", "dict", "get", "set", "unset", "hasKey",
    "pluck", "keys", "pick", "omit", "merge", "mergeOverwrite", "mustMerge", "mustMergeOverwrite", "values", "append",
    "push", "mustAppend", "mustPush", "prepend", "mustPrepend", "first", "mustFirst", "rest", "mustRest", "last",
    "mustLast", "initial", "mustInitial", "reverse", "mustReverse", "uniq", "mustUniq", "without", "mustWithout",
    "has", "mustHas", "slice", "mustSlice", "concat", "dig", "chunk", "mustChunk", "bcrypt", "htpasswd",
    "genPrivateKey", "derivePassword", "buildCustomCert", "genCA", "genCAWithKey", "genSelfSignedCert",
    "genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey", "encryptAES", "decryptAES", "randBytes",
    "uuidv4", "semver", "semverCompare", "fail", "regexMatch", "mustRegexMatch", "regexFindAll", "mustRegexFindAll",
    "regexFind", "mustRegexFind", "regexReplaceAll", "mustRegexReplaceAll", "regexReplaceAllLiteral",
    "mustRegexReplaceAllLiteral", "regexSplit", "mustRegexSplit", "regexQuoteMeta", "urlParse", "urlJoin"
})
# Argo deletes these from the map: a tag must not read the controller's environment.
SPRIG_REMOVED_BY_ARGO = frozenset({"env", "expandenv"})
# What Argo adds to the environment of {{= }} expression tags (util/expr/env): name → arity.
ARGO_TAG_FUNCTIONS: dict[str, tuple[int, int]] = {"asInt": (1, 1), "asFloat": (1, 1), "jsonpath": (2, 2),
                                                   "toJson": (1, 1)}
