package identity

import "testing"

// An unknown key id is checked against a decoy that costs what a real key
// costs, and that nothing matches.
func TestUnknownKeyCostsLikeAKnownOne(t *testing.T) {
	enc, err := HashSecret("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	real, err := parseHash(enc)
	if err != nil {
		t.Fatal(err)
	}
	d := unknownKey()
	if d.iterations != real.iterations || len(d.key) != len(real.key) || len(d.salt) != len(real.salt) {
		t.Errorf("decoy %d iterations, %d-byte key, %d-byte salt; real keys %d, %d, %d",
			d.iterations, len(d.key), len(d.salt), real.iterations, len(real.key), len(real.salt))
	}
	if d.verify("") || d.verify("s3cret") {
		t.Error("the decoy matched a secret")
	}
	if unknownKey() != d {
		t.Error("the decoy changes between calls")
	}
}
