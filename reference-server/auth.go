package refserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// A token is a secret a request must present. Only its SHA-256 is kept and
// compared: subtle.ConstantTimeCompare takes constant time only for inputs
// of equal length, so comparing digests keeps the token's length secret
// too.
type token struct {
	set bool
	sum [sha256.Size]byte
}

func newToken(s string) token {
	if s == "" {
		return token{}
	}
	return token{set: true, sum: sha256.Sum256([]byte(s))}
}

// matches reports, in constant time, whether got is the token.
func (t token) matches(got string) bool {
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], t.sum[:]) == 1
}

// allows reports whether r presents the token: as "Authorization: Bearer
// <token>" (RFC 6750 §2.1), or, when query is true, as the access_token
// query parameter (§2.3). A token that is not set allows everything.
func (t token) allows(r *http.Request, query bool) bool {
	if !t.set {
		return true
	}
	if scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return t.matches(strings.TrimSpace(cred))
	}
	if query {
		if v := r.URL.Query()["access_token"]; len(v) == 1 {
			return t.matches(v[0])
		}
	}
	return false
}

// unauthorized answers 401 with the challenge RFC 6750 §3 asks for.
func (s *Server) unauthorized(w http.ResponseWriter) {
	s.counters.unauthorized.Add(1)
	w.Header().Set("WWW-Authenticate", `Bearer realm="ssebench"`)
	http.Error(w, "401 unauthorized: a valid bearer token is required", http.StatusUnauthorized)
}
