package password

import "testing"

func TestHashCheck(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(h, "correct horse battery"); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if err := Check(h, "wrong horse battery"); err != ErrMismatch {
		t.Fatalf("wrong password = %v, want ErrMismatch", err)
	}
	if err := Check("$2a$garbage", "x"); err != ErrMismatch {
		t.Fatal("malformed hash accepted")
	}
	h2, _ := Hash("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestValidateAndOneTime(t *testing.T) {
	if Validate("short") == "" {
		t.Fatal("short password accepted")
	}
	if Validate(OneTime()) != "" {
		t.Fatal("one-time password fails validation")
	}
	if a, b := OneTime(), OneTime(); a == b {
		t.Fatal("one-time passwords repeat")
	}
}
