package pickle

// The names a pickle gives classes and functions: Python 2 wrote some
// under other modules and names, which the decoder reads as Python 3's, so
// that builtins.int is Global{"builtins", "int"} whatever the sender. What
// each name means to the decoder is in types.go (classOf).

// py2Modules maps Python 2 module names to their Python 3 names, as
// _compat_pickle.IMPORT_MAPPING does for the modules that matter here.
var py2Modules = map[string]string{
	"__builtin__": "builtins",
	"exceptions":  "builtins",
	"copy_reg":    "copyreg",
	"Queue":       "queue",
	"UserDict":    "collections",
	"thread":      "_thread",
	"cPickle":     "pickle",
}

// py2Names is _compat_pickle.NAME_MAPPING (and the exceptions renames) for
// the names a Connection is likely to carry.
var py2Names = map[Global]Global{
	{"__builtin__", "xrange"}:              {"builtins", "range"},
	{"__builtin__", "reduce"}:              {"functools", "reduce"},
	{"__builtin__", "intern"}:              {"sys", "intern"},
	{"__builtin__", "unichr"}:              {"builtins", "chr"},
	{"__builtin__", "unicode"}:             {"builtins", "str"},
	{"__builtin__", "long"}:                {"builtins", "int"},
	{"__builtin__", "basestring"}:          {"builtins", "str"},
	{"itertools", "izip"}:                  {"builtins", "zip"},
	{"itertools", "imap"}:                  {"builtins", "map"},
	{"itertools", "ifilter"}:               {"builtins", "filter"},
	{"UserDict", "IterableUserDict"}:       {"collections", "UserDict"},
	{"UserList", "UserList"}:               {"collections", "UserList"},
	{"UserString", "UserString"}:           {"collections", "UserString"},
	{"exceptions", "StandardError"}:        {"builtins", "Exception"},
	{"_multiprocessing", "Connection"}:     {"multiprocessing.connection", "Connection"},
	{"multiprocessing.process", "Process"}: {"multiprocessing.context", "Process"},
}

// normalizeGlobal maps Python 2 names onto Python 3's, so builtins.int is
// Global{"builtins", "int"} whatever the sender.
func normalizeGlobal(module, name string) Global {
	g := Global{module, name}
	if n, ok := py2Names[g]; ok {
		return n
	}
	if m, ok := py2Modules[module]; ok {
		g.Module = m
	}
	return g
}
