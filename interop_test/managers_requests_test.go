package interop_test

import "testing"

func (e *mgrEnv) testRequests(t *testing.T) {}
func (e *mgrEnv) testShutdown(t *testing.T) {}
