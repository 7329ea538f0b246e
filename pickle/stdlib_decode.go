package pickle

import "strings"

// gid classifies the globals the decoder gives a native meaning to.
type gid uint8

const (
	gidUnknown gid = iota
	gidBuiltin     // some other builtins name: a plain reference
	gidSet
	gidFrozenset
	gidBytearray
	gidBytes
	gidComplex
	gidCodecsEncode
	gidOrderedDict
	gidDefaultdict
	gidDatetime
	gidDate
	gidTime
	gidTimedelta
	gidTimezone
	gidDecimal
	gidUUID
	gidReconstructor
	gidNewobj
	gidNewobjEx
	gidException
)

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

var builtinExceptions = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`ArithmeticError AssertionError AttributeError BaseException
	BaseExceptionGroup BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError
	ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError
	DeprecationWarning EOFError EncodingWarning EnvironmentError Exception ExceptionGroup
	FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError
	ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError
	KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError
	NotADirectoryError NotImplementedError OSError OverflowError PendingDeprecationWarning
	PermissionError ProcessLookupError PythonFinalizationError RecursionError ReferenceError
	ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError
	SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError
	UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning
	UserWarning ValueError Warning ZeroDivisionError WindowsError VMSError`) {
		m[n] = true
	}
	return m
}()

var mpExceptions = map[string]bool{
	"RemoteError": true, "AuthenticationError": true, "ProcessError": true,
	"BufferTooShort": true, "TimeoutError": true,
}

// stdlibExceptions are the standard library's exception classes that cross
// multiprocessing connections: a manager's queue raises queue.Empty and
// queue.Full through its proxies. Others can be added per Registry with
// RegisterException.
var stdlibExceptions = map[Global]bool{
	{"queue", "Empty"}: true,
	{"queue", "Full"}:  true,
}

var knownGlobals = map[Global]gid{
	{"builtins", "set"}:            gidSet,
	{"builtins", "frozenset"}:      gidFrozenset,
	{"builtins", "bytearray"}:      gidBytearray,
	{"builtins", "bytes"}:          gidBytes,
	{"builtins", "complex"}:        gidComplex,
	{"_codecs", "encode"}:          gidCodecsEncode,
	{"collections", "OrderedDict"}: gidOrderedDict,
	{"collections", "defaultdict"}: gidDefaultdict,
	{"datetime", "datetime"}:       gidDatetime,
	{"datetime", "date"}:           gidDate,
	{"datetime", "time"}:           gidTime,
	{"datetime", "timedelta"}:      gidTimedelta,
	{"datetime", "timezone"}:       gidTimezone,
	{"decimal", "Decimal"}:         gidDecimal,
	{"_pydecimal", "Decimal"}:      gidDecimal,
	{"uuid", "UUID"}:               gidUUID,
	{"copyreg", "_reconstructor"}:  gidReconstructor,
	{"copyreg", "__newobj__"}:      gidNewobj,
	{"copyreg", "__newobj_ex__"}:   gidNewobjEx,
}

// classify returns the meaning the decoder gives a (normalized) global.
func classify(g Global) gid {
	if id, ok := knownGlobals[g]; ok {
		return id
	}
	if g.Module == "builtins" {
		if builtinExceptions[g.Name] {
			return gidException
		}
		return gidBuiltin
	}
	if (g.Module == "multiprocessing" || strings.HasPrefix(g.Module, "multiprocessing.")) && mpExceptions[g.Name] {
		return gidException
	}
	if stdlibExceptions[g] {
		return gidException
	}
	return gidUnknown
}
