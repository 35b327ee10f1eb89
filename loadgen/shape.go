package loadgen

// ShapeOptions shape the load over time: how subscribers arrive and how they
// reconnect.
type ShapeOptions struct{}

// validate lists the problems with o.
func (o *ShapeOptions) validate() []error { return nil }
