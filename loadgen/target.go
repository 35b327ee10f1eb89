package loadgen

// TargetOptions shape the requests and the connections to the target.
type TargetOptions struct{}

// validate lists the problems with o.
func (o *TargetOptions) validate() []error { return nil }
