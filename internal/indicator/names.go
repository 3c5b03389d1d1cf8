package indicator

// DivisionName returns the name of a division of any level the engine has
// loaded, and whether it knows the code. The coverage engine names its
// divisions through it (coverage.Names), so that the country's division
// names are kept once (issue 18's memory budget). "" and false before Load.
func (e *Engine) DivisionName(code string) (string, bool) {
	e.mu.RLock()
	d := e.data
	e.mu.RUnlock()
	if d == nil {
		return "", false
	}
	// Codes and names are never changed after Load (a new Load makes a
	// new data): they are read without the lock.
	if len(code) == 12 {
		if i := d.find(code, -1); i >= 0 {
			return d.names.At(i), true
		}
		return "", false
	}
	name, ok := d.upperName[code]
	return name, ok
}
