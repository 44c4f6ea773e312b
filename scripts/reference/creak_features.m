% Dumps COVAREP's creak features (glottalsource/creaky_voice_detection/private) at the
% ANN frame times (1-based samples 160·k, k = 1…floor(n/160)) for one 16 kHz float WAV.
% Run by scripts/reference/creak_fixtures.sh with the private folder copied onto the path
% (Octave only lets a private folder's parent call it).
%   columns: sample, H2H1, resP, creakF0, IFP, IPS, PwPfall, PwPrise, ishiCreak, F0mean, ZCR
%   (H2H1/resP/creakF0 use F0mean, the median voiced pitch_srh F0 over 20–500 Hz, as
%    get_kd_creak_features.m does)
function creak_features(wav, out)
  [x, fs] = audioread(wav);
  x = x(:, 1);
  res = lpcresidual(x, round(25/1000*fs), round(5/1000*fs), round(fs/1000)+2);
  [f0, VUV] = pitch_srh(x, fs, 20, 500, 10);
  F0mean = median(f0(VUV==1 & f0>20 & f0<500));
  [~, Es, ZC_ms, Xpos] = sil_unv_features(x, fs, 32);
  ZC = interp1(Xpos, ZC_ms, 1:length(x)); ZC(isnan(ZC)) = 0;
  [H2H1, F0_creak] = get_creak_h2h1(res, fs, F0mean);
  peak_inter = res_peak(x, fs, F0mean, res, Es);
  [PwP, IFP, IPS] = get_ishi_params_inter(x, fs);
  ishi = ishi_creak_detection(x, fs);
  time = 160:160:length(x);
  resP = peak_inter(time, 1); resP(isnan(resP)) = 0;
  M = [time(:) H2H1(time)(:) resP(:) F0_creak(time)(:) IFP(time)(:) IPS(time)(:) ...
       PwP.fall(time)(:) PwP.rise(time)(:) ishi(time)(:) repmat(F0mean, numel(time), 1) ZC(time)(:)];
  fid = fopen(out, 'w');
  fprintf(fid, 'sample,H2H1,resP,creakF0,IFP,IPS,PwPfall,PwPrise,ishiCreak,F0mean,ZCR\n');
  fclose(fid);
  dlmwrite(out, M, '-append', 'precision', '%.6g');
end
