% Prints the filter designs hard-coded in Sources/Acoustics/GlottalCoefficients.swift.
% octave --no-gui --quiet scripts/reference/glottal_coefficients.m
pkg load signal
[n,Wn] = ellipord(480/8000, 500/8000, 3, 60); [b,a] = ellip(n, 3, 60, Wn, 'high');
printf('polarity n=%d\nb=', n); printf('%.17g,', b); printf('\na='); printf('%.17g,', a); printf('\n');
[n,Wp] = ellipord(50/8000, 30/8000, 3, 60); [b,a] = ellip(real(n), 3, 60, Wp, 'high');
printf('sedreams n=%d\nb=', n); printf('%.17g,', b); printf('\na='); printf('%.17g,', a); printf('\n');
B = firls(300, [0 40 70 8000]/8000, [0 0 1 1], [1 1]);
printf('iaif firls=\n'); printf('%.9g,', B); printf('\n');
